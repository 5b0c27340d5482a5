using Harness.Load;
using Harness.Sampling;
using Harness.Testbeds;

namespace Harness.Analysis;

public enum SegmentKind
{
    /// <summary>Every guest loaded at once: the scenario itself.</summary>
    CoRun,

    /// <summary>One guest loaded, its neighbours frozen: that guest's reference.</summary>
    Solo,
}

/// <summary>One measured stretch of a repetition. Solo segments name their guest.</summary>
public sealed record Segment(int Repetition, SegmentKind Kind, string? SoloGuest)
{
    public bool Measures(string guest) => Kind == SegmentKind.CoRun || SoloGuest == guest;
}

/// <summary>A guest's counters at the start and end of a segment.</summary>
public sealed record GuestSegment(Segment Segment, string Guest, CounterSample Start, CounterSample End);

/// <summary>
/// What one guest did in one segment. ProbeShare is the probe's CPU time over its wall time, pooled over the
/// segment's runs, in percent: its work per wall-second relative to its work per CPU-second.
/// </summary>
public sealed record SegmentValues(double CpuPercent, double RamPercent, double WaitPercent, double ProbeShare, double P99Microseconds)
{
    /// <param name="probe">The guest's probe samples; those inside the segment are used.</param>
    public static SegmentValues Of(GuestSegment s, IReadOnlyList<ProbeSample> probe, GuestAllocation allocation)
    {
        var (cpu, _) = Usage.Cpu(s.Start, s.End, allocation);
        var ram = Usage.RamPercent(s.End, allocation);
        var runs = probe.Where(p => p.Time > s.Start.GuestTime && p.Time <= s.End.GuestTime && p.CpuMicroseconds > 0).ToArray();
        // Pooled (sum over sum), not a mean of per-run ratios: a held-up run counts with the time it was held up.
        // CPU time over wall time, not work over wall time: the CPU's own speed drifts with the host's power state
        // (measured here: faster when more cores are busy), which must not read as isolation.
        var share = runs.Length == 0 ? double.NaN : runs.Sum(r => r.CpuMicroseconds) / runs.Sum(r => r.LatencyMicroseconds) * 100;
        return new SegmentValues(
            cpu, ram, WaitBetween(s.Start, s.End), share,
            Stats.Percentile(runs.Select(r => r.LatencyMicroseconds), 0.99));
    }

    /// <summary>
    /// Time the guest's load and probe spent runnable but waiting for a CPU, as a percentage of wall time: run-queue
    /// wait from schedstat in a container, steal in a VM (per vCPU). Wall time, not busy time, is the denominator so
    /// that a lightly loaded guest's few short wake-up delays do not read as a large share.
    /// </summary>
    public static double WaitBetween(CounterSample start, CounterSample end)
    {
        if (end["steal"] is { } steal1 && start["steal"] is { } steal0)
        {
            return Usage.Cpu(start, end, new GuestAllocation(1, 1)).StealPercent;
        }
        if (end["rq_wait_ns"] is { } w1 && start["rq_wait_ns"] is { } w0)
        {
            double wait = w1 - w0, seconds = end.GuestTime - start.GuestTime;
            // A task set that was restarted in between shows a negative delta; that segment has no wait figure.
            return wait < 0 || seconds <= 0 ? double.NaN : wait / (seconds * 1e9) * 100;
        }
        return double.NaN;
    }
}
