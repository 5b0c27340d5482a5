using System.Globalization;
using Harness.Remote;
using Harness.Sampling;

namespace Harness.Testbeds.Static;

/// <summary>
/// Guests that already exist (any hypervisor), reached over SSH with pinned host keys. Nothing is provisioned or
/// destroyed: disposing only closes the connections. VMs, so their own /proc is read.
/// </summary>
public sealed class StaticTestbed : ITestbed
{
    private readonly List<IGuest> _guests;

    private StaticTestbed(string runId, List<IGuest> guests, IReadOnlyDictionary<string, string> facts)
    {
        RunId = runId;
        _guests = guests;
        Facts = facts;
    }

    public string RunId { get; }

    public IReadOnlyList<IGuest> Guests => _guests;

    public IReadOnlyDictionary<string, string> Facts { get; }

    public static async Task<StaticTestbed> CreateAsync(
        StaticTestbedOptions options, int guestCount, string runId, ProgressSink progress, CancellationToken cancellationToken,
        RemoteShellOptions? remote = null)
    {
        if (options.Guests.Count < guestCount)
        {
            throw new Configuration.HarnessConfigurationException(
                [$"{StaticTestbedOptions.FileVariable}: {options.SourceFile} lists {options.Guests.Count} guest(s), the run needs {guestCount}."]);
        }
        var guests = new List<IGuest>();
        var facts = new Dictionary<string, string>
        {
            ["backend"] = "static",
            ["guest.count"] = guestCount.ToString(CultureInfo.InvariantCulture),
        };
        try
        {
            for (var i = 0; i < guestCount; i++)
            {
                var spec = options.Guests[i];
                var name = $"S{i + 1}";
                progress($"{name}: connecting to {spec.User}@{spec.Host}:{spec.Port}");
                var shell = await SshShell.ConnectAsync(spec.Host, spec.Port, spec.User, options.PrivateKeyPem, spec.HostKey, cancellationToken, remote).ConfigureAwait(false);
                var guest = new StaticGuest(name, spec, shell);
                guests.Add(guest);
                facts[$"guest.{name}.identity"] = guest.Identity;
                facts[$"guest.{name}.cpus"] = spec.Cpus.ToString(CultureInfo.InvariantCulture);
                facts[$"guest.{name}.memory_mib"] = spec.MemoryMiB.ToString(CultureInfo.InvariantCulture);
                facts[$"guest.{name}.ssh_host_key"] = spec.HostKey;
                var uname = await shell.RunAsync("uname -sr", cancellationToken).ConfigureAwait(false);
                if (uname.Succeeded) facts[$"guest.{name}.kernel"] = uname.Output.Trim();
            }
            return new StaticTestbed(runId, guests, facts);
        }
        catch
        {
            foreach (var g in guests) await g.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var g in _guests) await g.DisposeAsync().ConfigureAwait(false);
        _guests.Clear();
    }

    private sealed class StaticGuest(string name, StaticGuestSpec spec, IRemoteShell shell) : IGuest
    {
        public string Name { get; } = name;

        public string Identity => $"static guest {spec.Name ?? spec.Host} ({spec.User}@{spec.Host}:{spec.Port})";

        public GuestAllocation Allocation { get; } = new(spec.Cpus, spec.MemoryMiB * 1024 * 1024);

        public SamplerSource SamplerSource => SamplerSource.Procfs;

        public IRemoteShell Shell { get; } = shell;

        public async Task<string?> CheckAliveAsync(CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                var r = await Shell.RunAsync("true", timeout.Token).ConfigureAwait(false);
                return r.Succeeded ? null : $"{Identity} answers, but 'true' exited {r.ExitCode}";
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return $"{Identity} does not answer over SSH ({e.Message})";
            }
        }

        public ValueTask DisposeAsync() => Shell.DisposeAsync();
    }
}
