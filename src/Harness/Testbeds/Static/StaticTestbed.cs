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

    /// <param name="sizes">The size the scenarios give each guest (index 0 = S1): this backend cannot size a guest, so a listed guest of another size stops the run.</param>
    public static async Task<StaticTestbed> CreateAsync(
        StaticTestbedOptions options, int guestCount, string runId, ProgressSink progress, CancellationToken cancellationToken,
        RemoteShellOptions? remote = null, IReadOnlyList<Scenarios.GuestSize>? sizes = null)
    {
        if (options.Guests.Count < guestCount)
        {
            throw new Configuration.HarnessConfigurationException(
                [$"{StaticTestbedOptions.FileVariable}: {options.SourceFile} lists {options.Guests.Count} guest(s), the run needs {guestCount}."]);
        }
        var mismatches = (sizes ?? []).Take(guestCount).Select((size, i) => (size, spec: options.Guests[i], name: $"S{i + 1}"))
            .Where(x => (x.size.Cpus is { } c && Math.Abs(c - x.spec.Cpus) > 1e-6) || (x.size.MemoryMiB is { } m && m != x.spec.MemoryMiB))
            .Select(x => string.Create(CultureInfo.InvariantCulture,
                $"{StaticTestbedOptions.FileVariable}: the scenarios give {x.name} {x.size}; {options.SourceFile} lists it ({x.spec.Name ?? x.spec.Host}) with {x.spec.Cpus} CPU, {x.spec.MemoryMiB} MiB. " +
                $"The static backend cannot resize an existing guest: list one of that size in place {x.name}, or leave its size out of the rows."))
            .ToArray();
        if (mismatches.Length > 0) throw new Configuration.HarnessConfigurationException(mismatches);
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
