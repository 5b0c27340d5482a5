using Harness.Scenarios;

namespace Harness.Analysis;

/// <summary>Thresholds of the isolation verdict (settings with documented defaults).</summary>
public sealed record IsolationThresholds(
    double CpuTolerance, double RamTolerance, double WaitIncrease, double Degradation, double SoloMaxCov, int MinPairs = 3);

/// <summary>
/// Turns one guest's paired repetitions into metrics with intervals, checks and validity. A breach is decided
/// only when a whole 95% interval lies past its limit, so noise alone does not fail a run.
/// </summary>
public static class InterferenceJudge
{
    public static (InterferenceMetrics Metrics, IReadOnlyList<Check> Checks, IReadOnlyList<string> Invalid) Judge(
        GuestLoad target, IReadOnlyList<(SegmentValues CoRun, SegmentValues Solo)> pairs, IsolationThresholds limits, string waitSource, int seed)
    {
        var co = pairs.Select(p => p.CoRun).ToArray();
        var solo = pairs.Select(p => p.Solo).ToArray();
        double[] Of(IEnumerable<SegmentValues> v, Func<SegmentValues, double> f) => v.Select(f).ToArray();

        var metrics = new InterferenceMetrics(
            pairs.Count,
            waitSource,
            Stats.Mean(Of(co, v => v.CpuPercent)),
            Stats.Mean(Of(solo, v => v.CpuPercent)),
            Stats.Mean(Of(co, v => v.RamPercent)),
            Stats.Mean(Of(co, v => v.WaitPercent)),
            Stats.Mean(Of(solo, v => v.WaitPercent)),
            Stats.PairedBootstrap(Of(co, v => v.WaitPercent), Of(solo, v => v.WaitPercent), Stats.MedianDifference, seed),
            // Both sides run the very same load setting, so CPU time per wall-second is the work the load got done.
            Stats.PairedBootstrap(Of(co, v => v.CpuPercent), Of(solo, v => v.CpuPercent), Stats.Degradation, seed + 1),
            Stats.Percentile(Of(co, v => v.ProbeShare).Where(x => !double.IsNaN(x)), 0.5),
            Stats.Percentile(Of(solo, v => v.ProbeShare).Where(x => !double.IsNaN(x)), 0.5),
            Stats.PairedBootstrap(Of(co, v => v.ProbeShare), Of(solo, v => v.ProbeShare), Stats.Degradation, seed + 3),
            Stats.Percentile(Of(co, v => v.P99Microseconds).Where(x => !double.IsNaN(x)), 0.5),
            Stats.Percentile(Of(solo, v => v.P99Microseconds).Where(x => !double.IsNaN(x)), 0.5),
            Stats.PairedBootstrap(Of(co, v => v.P99Microseconds), Of(solo, v => v.P99Microseconds), Stats.MedianRatio, seed + 2),
            Stats.CoefficientOfVariation(Of(solo, v => v.CpuPercent)));

        var g = target.Guest;
        var checks = new List<Check>
        {
            new(g, "CPU %", target.CpuPercent, metrics.CoRunCpu.Value, limits.CpuTolerance, metrics.CoRunCpu.Low, metrics.CoRunCpu.High),
            new(g, "RAM %", target.RamPercent, metrics.CoRunRam.Value, limits.RamTolerance, metrics.CoRunRam.Low, metrics.CoRunRam.High),
        };
        // An idle guest has nothing that can wait or slow down, so wait and throughput are judged only under load.
        if (target.CpuPercent > 0)
        {
            checks.Add(new(g, "wait +pts", 0, metrics.WaitIncrease.Value, limits.WaitIncrease,
                metrics.WaitIncrease.Low, metrics.WaitIncrease.High, CheckKind.AtMost));
            checks.Add(new(g, "throughput loss %", 0, metrics.Degradation.Value, limits.Degradation,
                metrics.Degradation.Low, metrics.Degradation.High, CheckKind.AtMost));
        }

        var invalid = new List<string>();
        if (pairs.Count < limits.MinPairs)
        {
            invalid.Add($"{g}: only {pairs.Count} usable pair(s) of repetitions; at least {limits.MinPairs} are needed");
        }
        if (target.CpuPercent > 0 && metrics.SoloWorkCov > limits.SoloMaxCov)
        {
            invalid.Add($"{g}: solo repetitions too noisy to judge (solo work rate varies {metrics.SoloWorkCov:0.0}% > {limits.SoloMaxCov:0.#}%)");
        }
        return (metrics, checks, invalid);
    }
}
