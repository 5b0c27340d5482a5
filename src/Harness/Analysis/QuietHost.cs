using System.Globalization;

namespace Harness.Analysis;

/// <summary>
/// The host must stay as quiet outside the guests during the measurement as it was before: the CPU it spends outside
/// every guest (the harness, the engine, anything else) is taken before calibration, and a segment in which it rose
/// by more than the tolerance makes the scenario invalid ("host busy") rather than failed, because a busy host takes
/// from co-run and solo segments unequally and can read as interference that the guests did not cause.
/// </summary>
public static class QuietHost
{
    public static (string? Invalid, string? Note) Judge(double? baseline, IReadOnlyList<GuestSegment> segments, double tolerance)
    {
        var outside = segments.Where(s => s.Host?.OutsideCpuPercent is not null)
            .GroupBy(s => s.Segment).Select(g => (Segment: g.Key, Percent: g.First().Host!.OutsideCpuPercent!.Value)).ToArray();
        if (baseline is not { } before || outside.Length == 0) return (null, null);
        var busiest = outside.MaxBy(o => o.Percent);
        var note = string.Create(CultureInfo.InvariantCulture,
            $"host outside the guests: {before:0.0}% of a CPU before calibration, {outside.Min(o => o.Percent):0.0}–{busiest.Percent:0.0}% during the {outside.Length} segments");
        if (busiest.Percent - before <= tolerance) return (null, note);
        var where = busiest.Segment.SoloGuest is { } g ? $"{g} alone" : "co-run";
        return (string.Create(CultureInfo.InvariantCulture,
            $"host busy: outside the guests the host used {busiest.Percent:0.0}% of a CPU in repetition {busiest.Segment.Repetition} ({where}) against {before:0.0}% before calibration, more than HARNESS_QUIET_HOST_TOLERANCE ({tolerance:0.#}) above it: something else ran beside the scenario"), note);
    }
}
