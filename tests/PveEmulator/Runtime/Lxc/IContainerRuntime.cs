using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace PveEmulator.Runtime.Lxc;

/// <summary>
/// A running container's cgroup figures as PVE's vmstatus reads them (pve-common PVE::CGroup): CPU time user+system,
/// memory without page cache, swap, and the time since the container's init started.
/// </summary>
public sealed record ContainerUsage(double CpuSeconds, long MemBytes, long SwapBytes, long UptimeSeconds, IReadOnlyDictionary<string, double> Pressure);

/// <summary>What is behind the API's containers: Docker containers of the local engine, or fakes for fast API tests.</summary>
public interface IContainerRuntime : IAsyncDisposable
{
    string Description { get; }

    /// <summary>The vztmpl volume ids the node's storage 'local' holds (what an ostemplate may name).</summary>
    IReadOnlyList<string> Archives { get; }

    /// <summary>Makes the container's root file system from the archive, with root's keys in it (not started).</summary>
    Task CreateAsync(EmuGuest ct, string ostemplate, string? sshPublicKeys, CancellationToken cancellationToken);

    /// <summary>Applies the config's limits and starts it; sets <see cref="EmuGuest.Address"/>.</summary>
    Task StartAsync(EmuGuest ct, CancellationToken cancellationToken);

    /// <summary>graceful: SIGTERM to init, then kill after <paramref name="timeout"/>; else kill at once.</summary>
    Task StopAsync(EmuGuest ct, bool graceful, TimeSpan timeout, CancellationToken cancellationToken);

    bool IsAlive(EmuGuest ct);

    Task DestroyAsync(EmuGuest ct, CancellationToken cancellationToken);

    /// <summary>PVE's answer to GET …/interfaces (from 'ip --json a' in the container's network namespace); null when stopped.</summary>
    Task<JsonNode?> InterfacesAsync(EmuGuest ct, CancellationToken cancellationToken);

    /// <summary>Null when it is not running.</summary>
    ContainerUsage? Usage(EmuGuest ct);

    /// <summary>cores / cpulimit / cpuunits / memory / swap to the running container's cgroup, after a config change.</summary>
    Task ApplyLimitsAsync(EmuGuest ct, CancellationToken cancellationToken);
}

/// <summary>Fake containers (--no-vms): state only; CPU time is whatever a test sets, the interfaces name 127.0.1.N.</summary>
public sealed class FakeContainerRuntime : IContainerRuntime
{
    public const string Archive = "local:vztmpl/harness-guest.tar.zst";

    private readonly LoopbackAddresses _addresses;
    private readonly ConcurrentDictionary<int, DateTime> _running = new();

    public FakeContainerRuntime(LoopbackAddresses? addresses = null) => _addresses = addresses ?? new LoopbackAddresses();

    public string Description => "fake containers (--no-vms)";

    public IReadOnlyList<string> Archives => [Archive];

    /// <summary>CPU seconds a test says a container has used (its cgroup's user+system).</summary>
    public ConcurrentDictionary<int, double> CpuSeconds { get; } = new();

    /// <summary>The keys each container was created with, as they would be in its root's authorized_keys.</summary>
    public ConcurrentDictionary<int, string> AuthorizedKeys { get; } = new();

    public Task CreateAsync(EmuGuest ct, string ostemplate, string? sshPublicKeys, CancellationToken cancellationToken)
    {
        if (sshPublicKeys is not null) AuthorizedKeys[ct.VmId] = sshPublicKeys;
        return Task.Delay(100, cancellationToken);
    }

    public Task StartAsync(EmuGuest ct, CancellationToken cancellationToken)
    {
        ct.Address = _addresses.Allocate(ct.VmId);
        _running[ct.VmId] = DateTime.UtcNow;
        return Task.CompletedTask;
    }

    public Task StopAsync(EmuGuest ct, bool graceful, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _running.TryRemove(ct.VmId, out _);
        _addresses.Release(ct.Address);
        return Task.CompletedTask;
    }

    public bool IsAlive(EmuGuest ct) => _running.ContainsKey(ct.VmId);

    public Task DestroyAsync(EmuGuest ct, CancellationToken cancellationToken)
    {
        AuthorizedKeys.TryRemove(ct.VmId, out _);
        return Task.CompletedTask;
    }

    public Task<JsonNode?> InterfacesAsync(EmuGuest ct, CancellationToken cancellationToken)
    {
        if (!IsAlive(ct)) return Task.FromResult<JsonNode?>(null);
        var mac = FakeRuntime.Mac(ct.VmId).ToLowerInvariant();
        var ip = JsonNode.Parse($$"""
            [{"ifname":"lo","address":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8},{"family":"inet6","local":"::1","prefixlen":128}]},
             {"ifname":"eth0","address":"{{mac}}","addr_info":[{"family":"inet","local":"172.17.0.2","prefixlen":16},{"family":"inet6","local":"fe80::be24:11ff:fe00:1","prefixlen":64}]}]
            """)!;
        return Task.FromResult<JsonNode?>(LxcInterfaces.FromIpJson(ip, "172.17.0.2", ct.Address!));
    }

    public ContainerUsage? Usage(EmuGuest ct) => _running.TryGetValue(ct.VmId, out var since)
        ? new ContainerUsage(CpuSeconds.GetValueOrDefault(ct.VmId), 32L << 20, 0, (long)(DateTime.UtcNow - since).TotalSeconds, new Dictionary<string, double>())
        : null;

    public Task ApplyLimitsAsync(EmuGuest ct, CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
