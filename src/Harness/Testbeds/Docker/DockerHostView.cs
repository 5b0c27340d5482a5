using System.Collections.Concurrent;
using Harness.Analysis;

namespace Harness.Testbeds.Docker;

/// <summary>
/// The host's view of each guest container: its cgroup read from the host (CPU time, throttling, memory, PSI where
/// the kernel has it) at the segment edges. The in-guest sampler reads the same cgroup from inside, so the two must
/// agree to within the edges' timing; a disagreement means the in-guest sampler is broken. An engine on another
/// machine (DOCKER_HOST=tcp://…) or a harness in a container that does not see the host's cgroups has no view here.
/// </summary>
internal sealed class DockerHostView : IHostView
{
    private readonly string _root;
    private readonly string? _unavailable;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (ContainerCgroup? Cgroup, string? Reason)> _found = new(StringComparer.Ordinal);

    private readonly string _procStat;

    internal DockerHostView(string endpoint, string root = "/sys/fs/cgroup", TimeProvider? time = null, string procStat = "/proc/stat")
    {
        _root = root;
        _procStat = procStat;
        _time = time ?? TimeProvider.System;
        if (!endpoint.StartsWith("unix://", StringComparison.Ordinal))
        {
            _unavailable = $"host view unavailable: the Docker engine is at {endpoint}, not on this machine, so its containers' cgroups cannot be read from here";
        }
    }

    public Task<HostEdge> ReadAsync(IGuest guest, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var at = _time.GetUtcNow();
        if (_unavailable is not null) return Task.FromResult(HostEdge.Missing(at, _unavailable));
        if (guest is not DockerGuest container) return Task.FromResult(HostEdge.Missing(at, $"host view unavailable: {guest.Name} is not a container of this engine"));
        var (cgroup, reason) = _found.GetOrAdd(container.ContainerId, Locate);
        if (cgroup is null) return Task.FromResult(HostEdge.Missing(at, reason!));
        // Local files under /sys answer at once; nothing here waits on the network.
        var counters = cgroup.Read();
        return Task.FromResult(counters.ContainsKey("cpu_ns")
            ? new HostEdge(at, counters)
            : HostEdge.Missing(at, $"host view unavailable: the CPU time of {guest.Name} under {cgroup.Location} is not readable"));
    }

    public HostSegmentValues Between(IGuest guest, HostEdge start, HostEdge end) => Segment(start, end, guest.Allocation.Cpus);

    public async Task<HostBusy?> ReadHostAsync(CancellationToken cancellationToken)
    {
        if (_unavailable is not null) return null;
        try
        {
            var first = (await File.ReadAllLinesAsync(_procStat, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
            return ProcStat.Busy(first) is { } busy ? new HostBusy(_time.GetUtcNow(), busy) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public double? OutsideCpuPercent(HostBusy start, HostBusy end, IReadOnlyList<(HostEdge Start, HostEdge End)> guests)
    {
        var wall = (end.At - start.At).TotalSeconds;
        var inGuests = 0.0;
        foreach (var (a, b) in guests)
        {
            if (a["cpu_ns"] is not { } from || b["cpu_ns"] is not { } to || to < from) return null;
            inGuests += (to - from) / 1e9;
        }
        return wall > 0 ? (end.BusySeconds - start.BusySeconds - inGuests) / wall * 100 : null;
    }

    /// <summary>CPU time per wall-second over the container's quota (what the kernel enforces), else its allocation.</summary>
    internal static HostSegmentValues Segment(HostEdge start, HostEdge end, double allocatedCpus)
    {
        if ((start.Unavailable ?? end.Unavailable) is { } reason) return HostSegmentValues.Missing(reason);
        var wall = (end.At - start.At).TotalSeconds;
        double? Delta(string key, double scale) => end[key] is { } b && start[key] is { } a && b >= a && wall > 0 ? (b - a) * scale : null;
        double? Share(string key) => Delta(key, 1e-6) is { } stalled ? stalled / wall * 100 : null;
        var cpus = end["quota_us"] is { } q and > 0 && end["period_us"] is { } p and > 0 ? (double)q / p : allocatedCpus;
        return new HostSegmentValues(
            Delta("cpu_ns", 1e-9) is { } cpuSeconds ? cpuSeconds / wall / cpus * 100 : double.NaN,
            Delta("throttled_periods", 1) is { } periods ? (long)periods : null,
            Delta("throttled_ns", 1e-9),
            end["mem_bytes"] is { } used ? used - (end["inactive_file"] ?? 0) : null,
            Share("cpu_some_us"),
            Share("memory_some_us"),
            Share("io_some_us"));
    }

    private (ContainerCgroup?, string?) Locate(string containerId)
    {
        try
        {
            var cgroup = ContainerCgroup.Find(_root, containerId, out var looked);
            return cgroup is null
                ? (null, $"host view unavailable: no cgroup of container {containerId[..12]} under {looked} (a harness inside a container, or a cgroup layout this harness does not know)")
                : (cgroup, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"host view unavailable: {_root} cannot be searched ({e.Message})");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
