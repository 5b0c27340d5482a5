using Harness.Analysis;

namespace Harness.Reporting;

/// <summary>
/// A metric's value in each repetition of a scenario, from that repetition's co-run and solo segment as kept in
/// results.json: what a comparison tests and what a guest's chart draws, so both show the spread the verdict saw.
/// </summary>
public static class RepetitionValues
{
    /// <summary>
    /// One value per repetition with both segments (the host agreement: one per segment with a host figure); null when
    /// the run kept no segments or the metric has no per-repetition form.
    /// </summary>
    public static double[]? Of(ScenarioRecord? scenario, string guest, Metric metric)
    {
        if (scenario?.Guests.FirstOrDefault(g => g.Guest == guest) is not { Segments: { Count: > 0 } segments }) return null;
        if (metric == Metric.HostAgreement)
        {
            // Judged over every segment, co-run and solo alike: one value per segment.
            var differences = segments.Where(s => s.Host is { } h && double.IsFinite(h.CpuPercent))
                .Select(s => s.Values.CpuPercent - s.Host!.CpuPercent).Where(double.IsFinite).ToArray();
            return differences.Length == 0 ? null : differences;
        }
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
        var values = segments.GroupBy(s => s.Repetition).OrderBy(g => g.Key)
            .Select(g => (Co: g.FirstOrDefault(s => s.Kind == SegmentKind.CoRun), Solo: g.FirstOrDefault(s => s.Kind == SegmentKind.Solo)))
            .Where(p => p.Co is not null && p.Solo is not null)
            .Select(p => value(p.Co!.Values, p.Solo!.Values))
            .Where(double.IsFinite)
            .ToArray();
        return values.Length == 0 ? null : values;
    }

    /// <summary>The same as badness (see <see cref="Metric.Badness"/>): distance from target, or a cost floored at zero.</summary>
    public static double[]? Badness(ScenarioRecord? scenario, string guest, Metric metric)
    {
        if (Of(scenario, guest, metric) is not { } values) return null;
        var measured = scenario!.Guests.First(g => g.Guest == guest);
        var target = metric == Metric.Cpu ? measured.TargetCpuPercent : metric == Metric.Ram ? measured.TargetRamPercent : 0;
        return values.Select(v => metric.Badness(target, v)).ToArray();
    }
}
