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
    /// <param name="overall">
    /// For a host that cannot split its CPU per segment (a Proxmox node): its CPU outside the guests over the whole
    /// measurement, judged in place of the segments' when they have none.
    /// </param>
    public static (string? Invalid, string? Note) Judge(double? baseline, IReadOnlyList<GuestSegment> segments, double tolerance, double? overall = null)
    {
        var outside = segments.Where(s => s.Host?.OutsideCpuPercent is not null)
            .GroupBy(s => s.Segment).Select(g => (Segment: g.Key, Percent: g.First().Host!.OutsideCpuPercent!.Value)).ToArray();
        if (baseline is not { } before) return (null, null);
        if (outside.Length == 0) return overall is { } during ? JudgeOverall(before, during, tolerance) : (null, null);
        var busiest = outside.MaxBy(o => o.Percent);
        var note = string.Create(CultureInfo.InvariantCulture,
            $"host outside the guests: {before:0.0}% of a CPU before calibration, {outside.Min(o => o.Percent):0.0}–{busiest.Percent:0.0}% during the {outside.Length} segments");
        if (busiest.Percent - before <= tolerance) return (null, note);
        var where = busiest.Segment.SoloGuest is { } g ? $"{g} alone" : "co-run";
        return (string.Create(CultureInfo.InvariantCulture,
            $"host busy: outside the guests the host used {busiest.Percent:0.0}% of a CPU in repetition {busiest.Segment.Repetition} ({where}) against {before:0.0}% before calibration, more than HARNESS_QUIET_HOST_TOLERANCE ({tolerance:0.#}) above it: something else ran beside the scenario"), note);
    }

    private static (string? Invalid, string? Note) JudgeOverall(double before, double during, double tolerance)
    {
        var note = string.Create(CultureInfo.InvariantCulture,
            $"host outside the guests: {before:0.0}% of a CPU before calibration, {during:0.0}% over the measurement (the node's own figure, which cannot be split per segment)");
        return during - before <= tolerance
            ? (null, note)
            : (string.Create(CultureInfo.InvariantCulture,
                $"host busy: outside the guests the node used {during:0.0}% of a CPU over the measurement against {before:0.0}% before calibration, more than HARNESS_QUIET_HOST_TOLERANCE ({tolerance:0.#}) above it: something else ran beside the scenario"), note);
    }
}
