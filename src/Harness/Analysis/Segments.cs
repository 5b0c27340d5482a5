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

/// <summary>
/// What one guest did in one segment. RunSeconds and WaitSeconds are the load's time on a CPU and its time
/// runnable but waiting for one (containers: /proc/PID/schedstat of the load's processes; VMs: busy and steal
/// time of the whole VM, since a VM's neighbours show as steal). ProbeShare is the probe's CPU time over its wall
/// time, pooled over the segment's runs, in percent.
/// </summary>
public sealed record SegmentValues(
    double CpuPercent, double RamPercent, double RunSeconds, double WaitSeconds, double WallSeconds, double ProbeShare, double P99Microseconds)
{
    /// <summary>Run-queue wait (steal) as a percentage of wall time.</summary>
    public double WaitPercent => WallSeconds > 0 ? WaitSeconds / WallSeconds * 100 : double.NaN;

    /// <summary>
    /// How long the load's runnable work took on the wall clock per unit of CPU it got: (run + wait) / run, 1 when
    /// it never waited. Unlike wait over wall time, it does not shrink with the guest's own load, so a light
    /// guest slowed by its neighbours shows it as plainly as a heavy one.
    /// </summary>
    public double Stretch => RunSeconds > 0 ? (RunSeconds + WaitSeconds) / RunSeconds : double.NaN;

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
        var (run, wait) = RunAndWait(s.Start, s.End);
        return new SegmentValues(
            cpu, ram, run, wait, s.End.GuestTime - s.Start.GuestTime, share,
            Stats.Percentile(runs.Select(r => r.LatencyMicroseconds), 0.99));
    }

    /// <summary>
    /// The load's run and wait time between two samples, in seconds: busy and steal in a VM (USER_HZ ticks),
    /// schedstat of the load's processes in a container. NaN when the counters are missing or went backwards
    /// (a task set restarted in between): a missing signal is never read as zero.
    /// </summary>
    public static (double Run, double Wait) RunAndWait(CounterSample start, CounterSample end)
    {
        if (end["steal"] is { } steal1 && start["steal"] is { } steal0 && end["idle"] is not null && start["idle"] is not null)
        {
            double busy = Usage.BusyTicks(end) - Usage.BusyTicks(start), steal = steal1 - steal0;
            return busy < 0 || steal < 0 ? (double.NaN, double.NaN) : (busy / Usage.UserHz, steal / Usage.UserHz);
        }
        if (end["load_run_ns"] is { } r1 && start["load_run_ns"] is { } r0 && end["load_wait_ns"] is { } w1 && start["load_wait_ns"] is { } w0)
        {
            double run = r1 - r0, wait = w1 - w0;
            return run < 0 || wait < 0 ? (double.NaN, double.NaN) : (run / 1e9, wait / 1e9);
        }
        return (double.NaN, double.NaN);
    }
}
