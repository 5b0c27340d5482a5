using System.Globalization;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Harness.Configuration;
using Harness.Remote;

namespace Harness.Testbeds.Docker;

/// <summary>The embedded testbed: N guest containers on the local Docker engine.</summary>
public sealed class DockerTestbed : ITestbed
{
    private readonly DockerEngine _engine;
    private readonly List<IGuest> _guests;

    static DockerTestbed()
    {
        // The reaper image cannot be pulled offline, and the harness labels and reaps its own containers anyway.
        TestcontainersSettings.ResourceReaperEnabled = false;
    }

    private DockerTestbed(string runId, DockerEngine engine, List<IGuest> guests, IReadOnlyDictionary<string, string> facts)
    {
        RunId = runId;
        _engine = engine;
        _guests = guests;
        Facts = facts;
    }

    public string RunId { get; }

    public IReadOnlyList<IGuest> Guests => _guests;

    public IReadOnlyDictionary<string, string> Facts { get; }

    public ICpuWeights? CpuWeights => new DockerCpuWeights(_engine);

    public IHostView HostView { get; } = new DockerHostView(DockerEngine.DefaultEndpoint());

    public static async Task<DockerTestbed> CreateAsync(
        HarnessOptions options, string runId, SshKeyPair key, ProgressSink progress, CancellationToken cancellationToken)
    {
        var engine = await DockerEngine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var guests = new List<IGuest>();
        try
        {
            var reaped = await engine.ReapOrphansAsync((options.BackendSettings as DockerSettings ?? DockerSettings.Default).ReapAge, cancellationToken).ConfigureAwait(false);
            foreach (var r in reaped) progress($"removed container left by an earlier run: {r}");

            var imageId = await GuestImage.EnsureAsync(engine, options.GuestImage, progress, cancellationToken).ConfigureAwait(false);
            var facts = new Dictionary<string, string>(await engine.FactsAsync(cancellationToken).ConfigureAwait(false))
            {
                ["backend"] = "docker",
                ["guest.image"] = options.GuestImage,
                ["guest.image_id"] = imageId,
                ["guest.count"] = options.GuestCount.ToString(CultureInfo.InvariantCulture),
                ["guest.cpus"] = options.GuestCpus.ToString(CultureInfo.InvariantCulture),
                ["guest.memory_mib"] = options.GuestMemoryMiB.ToString(CultureInfo.InvariantCulture),
                ["guest.cpus_total_vs_host"] = (Enumerable.Range(0, options.GuestCount).Sum(i => options.AllocationOf(i).Cpus) / Environment.ProcessorCount)
                    .ToString("0.00", CultureInfo.InvariantCulture),
            };
            var disk = options.BackendSettings as DockerSettings ?? DockerSettings.Default;
            var device = disk.ThrottlesDisk ? DockerDisk.Resolve(facts["docker.root_dir"]) : ((string Path, string Numbers)?)null;
            facts["docker.disk_limit"] = DockerDisk.Describe(disk) + (device is { } d ? $" on {d.Path} ({d.Numbers})" : "");
            facts["docker.disk_weight"] = DockerDisk.WeightSupport(device?.Path ?? DockerDisk.Find(facts["docker.root_dir"], DockerDisk.MountInfo())?.Path ?? "");
            for (var i = 1; i <= options.GuestCount; i++)
            {
                var name = $"S{i}";
                var allocation = options.AllocationOf(i - 1);
                var cpus = allocation.Cpus.ToString(CultureInfo.InvariantCulture);
                var mib = (allocation.MemoryBytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture);
                facts[$"guest.{name}.cpus"] = cpus;
                facts[$"guest.{name}.memory_mib"] = mib;
                progress($"provisioning guest {name} ({cpus} CPU, {mib} MiB{(options.SizeOf(i - 1).IsDefault ? "" : ", its scenarios' own size")})");
                guests.Add(await StartGuestAsync(engine, options, runId, name, allocation, key, (disk, device?.Path), cancellationToken).ConfigureAwait(false));
            }
            foreach (var (fact, value) in await DockerProvenance.CollectAsync(guests, cancellationToken).ConfigureAwait(false)) facts[fact] = value;
            return new DockerTestbed(runId, engine, guests, facts);
        }
        catch
        {
            foreach (var g in guests) await g.DisposeAsync().ConfigureAwait(false);
            engine.Dispose();
            throw;
        }
    }

    private static async Task<IGuest> StartGuestAsync(
        DockerEngine engine, HarnessOptions options, string runId, string name, GuestAllocation allocation, SshKeyPair key,
        (DockerSettings Settings, string? Device) disk, CancellationToken cancellationToken)
    {
        var container = new ContainerBuilder(options.GuestImage)
            .WithName($"harness-{runId}-{name.ToLowerInvariant()}")
            .WithLabel(DockerEngine.OwnerLabels(runId))
            .WithEnvironment("HARNESS_AUTHORIZED_KEY", key.PublicKey)
            .WithPortBinding(22, assignRandomHostPort: true)
            .WithCreateParameterModifier(p =>
            {
                var host = p.HostConfig ??= new();
                host.NanoCPUs = (long)Math.Round(allocation.Cpus * 1e9);
                host.Memory = allocation.MemoryBytes;
                host.MemorySwap = allocation.MemoryBytes; // no swap: RAM % must mean RAM
                if (disk.Device is { } dev)
                {
                    static List<global::Docker.DotNet.Models.ThrottleDevice> Limit(string path, long rate) =>
                        rate > 0 ? [new() { Path = path, Rate = (ulong)rate }] : [];
                    host.BlkioDeviceWriteBps = Limit(dev, disk.Settings.WriteBytesPerSecond);
                    host.BlkioDeviceWriteIOps = Limit(dev, disk.Settings.WriteIops);
                }
                // Published on loopback only: nothing but this machine can reach a guest.
                foreach (var binding in (host.PortBindings ?? new Dictionary<string, IList<global::Docker.DotNet.Models.PortBinding>>()).Values.SelectMany(b => b))
                {
                    binding.HostIP = "127.0.0.1";
                }
            })
            .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Server listening"))
            .WithCleanUp(false)
            .Build();
        try
        {
            await container.StartAsync(cancellationToken).ConfigureAwait(false);
            // The host key is read out of band (docker exec), so the SSH connection can pin it.
            var fp = await container.ExecAsync(["ssh-keygen", "-l", "-E", "sha256", "-f", "/etc/ssh/ssh_host_ed25519_key.pub"], cancellationToken)
                .ConfigureAwait(false);
            var hostKey = fp.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(t => t.StartsWith("SHA256:", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"guest {name}: could not read its SSH host key ({fp.Stderr.Trim()})");
            var shell = await SshShell.ConnectAsync("127.0.0.1", container.GetMappedPublicPort(22), "root", key, hostKey, cancellationToken, options.Remote)
                .ConfigureAwait(false);
            // Its address on Docker's bridge, as the engine assigned it: the net channel's only destinations.
            var address = container.IpAddress is { Length: > 0 } ip && System.Net.IPAddress.TryParse(ip, out _) ? ip : null;
            return new DockerGuest(name, container, engine, allocation, shell, address);
        }
        catch
        {
            await engine.RemoveAsync(container.Id, CancellationToken.None).ConfigureAwait(false);
            await container.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        var errors = new List<Exception>();
        foreach (var g in _guests)
        {
            try
            {
                await g.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }
        _guests.Clear();
        try
        {
            // A last sweep by run id catches anything a failed dispose left.
            await _engine.RemoveRunAsync(RunId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            errors.Add(e);
        }
        _engine.Dispose();
        if (errors.Count > 0) throw new AggregateException("tearing down the Docker testbed failed", errors);
    }
}
