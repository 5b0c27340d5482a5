using System.Globalization;
using Harness.Scenarios;

namespace Harness.Analysis;

/// <summary>Thresholds of the isolation verdict (settings with documented defaults).</summary>
public sealed record IsolationThresholds(
    double CpuTolerance, double RamTolerance, double Slowdown, double WaitIncrease, double ThroughputLoss, double SoloMaxCov, int MinPairs = 3);

/// <summary>
/// Turns one guest's paired repetitions into metrics with intervals, checks and validity. A breach is decided
/// only when a whole 95% interval lies past its limit, so noise alone does not fail a run; a value that is
/// missing, or rests on a counter that never moved, is not judged at all.
/// </summary>
public static class InterferenceJudge
{
    public static (InterferenceMetrics Metrics, IReadOnlyList<Check> Checks, IReadOnlyList<string> Invalid) Judge(
        GuestLoad target, IReadOnlyList<(SegmentValues CoRun, SegmentValues Solo)> pairs, IsolationThresholds limits, string waitSource)
    {
        var co = pairs.Select(p => p.CoRun).ToArray();
        var solo = pairs.Select(p => p.Solo).ToArray();
        var usable = pairs.Where(p => double.IsFinite(p.CoRun.Stretch) && double.IsFinite(p.Solo.Stretch)).ToArray();
        double[] Of(IEnumerable<SegmentValues> v, Func<SegmentValues, double> f) => v.Select(f).ToArray();

        var metrics = new InterferenceMetrics(
            pairs.Count,
            waitSource,
            Stats.Mean(Of(co, v => v.CpuPercent)),
            Stats.Mean(Of(solo, v => v.CpuPercent)),
            Stats.Mean(Of(co, v => v.RamPercent)),
            PooledStretch(co),
            PooledStretch(solo),
            Stats.Jackknife(usable, StretchRatio, r => (r - 1) * 100),
            Stats.Mean(Of(co, v => v.WaitPercent)),
            Stats.Mean(Of(solo, v => v.WaitPercent)),
            Stats.PairedDifference(Of(co, v => v.WaitPercent), Of(solo, v => v.WaitPercent)),
            // Both sides run the very same load setting, so CPU time per wall-second is the work the load got done.
            Stats.PairedLoss(Of(co, v => v.CpuPercent), Of(solo, v => v.CpuPercent)),
            Stats.Percentile(Of(co, v => v.ProbeShare).Where(x => !double.IsNaN(x)), 0.5),
            Stats.Percentile(Of(solo, v => v.ProbeShare).Where(x => !double.IsNaN(x)), 0.5),
            Stats.PairedLoss(Of(co, v => v.ProbeShare), Of(solo, v => v.ProbeShare)),
            Stats.Percentile(Of(co, v => v.P99Microseconds).Where(x => !double.IsNaN(x)), 0.5),
            Stats.Percentile(Of(solo, v => v.P99Microseconds).Where(x => !double.IsNaN(x)), 0.5),
            Stats.PairedRatio(Of(co, v => v.P99Microseconds), Of(solo, v => v.P99Microseconds)),
            Stats.CoefficientOfVariation(Of(solo, v => v.CpuPercent)));

        var g = target.Guest;
        var checks = new List<Check>
        {
            CpuCheck(g, target.CpuPercent, metrics, limits.CpuTolerance),
            Check.Of(g, Metric.Ram, target.RamPercent, metrics.CoRunRam, limits.RamTolerance),
        };
        // An idle guest has nothing that can wait or slow down, so these are judged only under load.
        if (target.CpuPercent > 0)
        {
            var signal = MissingWaitSignal(co, solo, waitSource);
            checks.Add(Budget(g, Metric.Slowdown, metrics.Slowdown, limits.Slowdown, signal));
            checks.Add(Budget(g, Metric.WaitIncrease, metrics.WaitIncrease, limits.WaitIncrease, signal));
            checks.Add(Budget(g, Metric.ThroughputLoss, metrics.ThroughputLoss, limits.ThroughputLoss, null));
        }

        var invalid = new List<string>();
        if (pairs.Count < limits.MinPairs)
        {
            invalid.Add($"{g}: only {pairs.Count} usable pair(s) of repetitions; at least {limits.MinPairs} are needed");
        }
        if (target.CpuPercent > 0 && metrics.SoloWorkCov > limits.SoloMaxCov)
        {
            invalid.Add(string.Create(CultureInfo.InvariantCulture,
                $"{g}: solo repetitions too noisy to judge (solo work rate varies {metrics.SoloWorkCov:0.0}% > {limits.SoloMaxCov:0.#}%)"));
        }
        return (metrics, checks, invalid);
    }

    /// <summary>
    /// (run + wait) / run over all the given segments together: time-weighted, so a segment in which a light load
    /// ran a few milliseconds weighs as little as it should, where a median of per-segment ratios would let it
    /// swing the result.
    /// </summary>
    public static double PooledStretch(IEnumerable<SegmentValues> segments)
    {
        var usable = segments.Where(v => double.IsFinite(v.Stretch)).ToArray();
        var run = usable.Sum(v => v.RunSeconds);
        return run > 0 ? usable.Sum(v => v.RunSeconds + v.WaitSeconds) / run : double.NaN;
    }

    /// <summary>Pooled stretch co-run over solo: 1 + the slowdown (how much longer the load's runnable work took among its neighbours).</summary>
    private static double StretchRatio(IReadOnlyList<(SegmentValues CoRun, SegmentValues Solo)> pairs) =>
        PooledStretch(pairs.Select(p => p.CoRun)) / PooledStretch(pairs.Select(p => p.Solo));

    private static Check Budget(string guest, Metric metric, Estimate e, double limit, string? unjudged) =>
        Check.Of(guest, metric, 0, e, limit, CheckKind.AtMost, unjudged);

    /// <summary>
    /// CPU on target among the neighbours. When the guest misses the band alone too, at the very same setting,
    /// the miss is the load generator's, not the neighbours': that is not an isolation failure, and not a pass.
    /// </summary>
    private static Check CpuCheck(string guest, double target, InterferenceMetrics m, double tolerance)
    {
        var check = Check.Of(guest, Metric.Cpu, target, m.CoRunCpu, tolerance);
        if (!check.Failed) return check;
        var solo = Check.Of(guest, Metric.Cpu, target, m.SoloCpu, tolerance);
        var sameSide = Math.Sign(check.Error) == Math.Sign(solo.Error);
        return solo.Failed && sameSide
            ? check with
            {
                UnjudgedReason = string.Create(CultureInfo.InvariantCulture,
                    $"the load generator cannot reach {target:0.#}% here: {m.SoloCpu.Value:0.0}% alone at the same setting, {m.CoRunCpu.Value:0.0}% among its neighbours"),
            }
            : check;
    }

    /// <summary>
    /// A wait counter that never moves while the guest is loaded is a missing signal, not perfect isolation: a
    /// VM whose hypervisor reports no steal (or QEMU without KVM) charges its lost time to its own tasks.
    /// </summary>
    private static string? MissingWaitSignal(SegmentValues[] co, SegmentValues[] solo, string waitSource)
    {
        var all = co.Concat(solo).ToArray();
        if (all.Length == 0) return null;
        if (all.All(v => !(v.RunSeconds > 0)))
        {
            return "the load's run time never moved while it ran: run-queue figures are unavailable on this guest";
        }
        return co.All(v => !(v.WaitSeconds > 0))
            ? $"{waitSource} stayed at zero through every co-run segment: wait is unavailable on this guest (a hypervisor that reports no steal hides lost time), so it cannot show a slowdown"
            : null;
    }
}

/// <summary>string.GetHashCode is randomised per process; seeds and orders must be reproducible across runs.</summary>
public static class StableHash
{
    public static int Of(params string[] parts) =>
        parts.Aggregate(17, (h, part) => part.Aggregate(unchecked(h * 31 + 7), (x, c) => unchecked(x * 31 + c)));
}
