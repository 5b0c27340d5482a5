using Harness.Sampling;

namespace Harness.Analysis;

/// <summary>
/// What the host saw of one guest over one segment. CpuPercent is CPU time per wall-second over the guest's CPU
/// allocation, the unit of the in-guest CPU %. Pressure is the share of the segment in which some of the guest's
/// tasks stalled (cgroup v2 PSI "some"; from PVE, its avg10, which covers the 10 s before the reading instead).
/// OutsideCpuPercent is what the host spent outside every guest during the segment (the harness, the engine,
/// anything else), in % of one CPU. Fields the host does not offer stay null; Unavailable says why there is no
/// host figure at all.
/// </summary>
public sealed record HostSegmentValues(
    double CpuPercent,
    long? ThrottledPeriods = null,
    double? ThrottledSeconds = null,
    long? MemoryBytes = null,
    double? CpuPressurePercent = null,
    double? MemoryPressurePercent = null,
    double? IoPressurePercent = null,
    string? Unavailable = null,
    double? OutsideCpuPercent = null)
{
    public static HostSegmentValues Missing(string reason) => new(double.NaN, Unavailable: reason);
}

/// <summary>The whole host's busy CPU time (guests included) at one moment, in CPU-seconds since boot.</summary>
public sealed record HostBusy(DateTimeOffset At, double BusySeconds);

/// <summary>The host's counters of one guest at one segment edge, read by the harness at <paramref name="At"/>.</summary>
public sealed record HostEdge(DateTimeOffset At, IReadOnlyDictionary<string, long> Counters, string? Unavailable = null)
{
    public long? this[string name] => Counters.TryGetValue(name, out var v) ? v : null;

    public static HostEdge Missing(DateTimeOffset at, string reason) => new(at, new Dictionary<string, long>(), reason);
}

/// <summary>A guest's segment as the guest saw it (counter snapshots) and, when a host view exists, as the host saw it.</summary>
public sealed record GuestSegment(Segment Segment, string Guest, CounterSample Start, CounterSample End, HostSegmentValues? Host = null);
