using Harness.Analysis;

namespace Harness.Reporting.Comparison;

/// <summary>
/// A metric's badness in each repetition of a scenario, from the co-run and solo segment of that repetition as kept
/// in results.json: the values a comparison tests, so that two runs are compared on their spread and not only on
/// their point estimates.
/// </summary>
public static class RepetitionBadness
{
    /// <summary>One value per repetition with both segments; null when the run kept no segments or the metric has no per-repetition form.</summary>
    public static double[]? Of(ScenarioRecord? scenario, string guest, Metric metric)
    {
        if (scenario?.Guests.FirstOrDefault(g => g.Guest == guest) is not { Segments: { Count: > 0 } segments } measured) return null;
        Func<SegmentValues, SegmentValues, double>? value = metric.Id switch
        {
            "cpu" => (co, _) => co.CpuPercent,
            "ram" => (co, _) => co.RamPercent,
            "slowdown" => (co, solo) => (co.Stretch / solo.Stretch - 1) * 100,
            "wait-increase" => (co, solo) => co.WaitPercent - solo.WaitPercent,
            "throughput-loss" => (co, solo) => (1 - co.CpuPercent / solo.CpuPercent) * 100,
            _ => null,
        };
        if (value is null) return null;
        var target = metric == Metric.Cpu ? measured.TargetCpuPercent : metric == Metric.Ram ? measured.TargetRamPercent : 0;
        var values = segments.GroupBy(s => s.Repetition).OrderBy(g => g.Key)
            .Select(g => (Co: g.FirstOrDefault(s => s.Kind == SegmentKind.CoRun), Solo: g.FirstOrDefault(s => s.Kind == SegmentKind.Solo)))
            .Where(p => p.Co is not null && p.Solo is not null)
            .Select(p => metric.Badness(target, value(p.Co!.Values, p.Solo!.Values)))
            .Where(double.IsFinite)
            .ToArray();
        return values.Length == 0 ? null : values;
    }
}
