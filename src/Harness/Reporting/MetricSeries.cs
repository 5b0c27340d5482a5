using Harness.Analysis;

namespace Harness.Reporting;

/// <summary>
/// Finds the sampled series behind a check's metric, for error bars and intervals. Metrics without a series
/// (e.g. ones computed once per window) simply get none.
/// </summary>
public static class MetricSeries
{
    public static SeriesSummary? Of(GuestMeasurement guest, string metric) => ShortKey(metric) switch
    {
        "cpu" => guest.CpuSeries,
        "ram" => guest.RamSeries,
        "steal" => guest.StealSeries,
        _ => null,
    };

    public static SeriesSummary? Of(ScenarioRecord scenario, string guest, string metric) =>
        scenario.Guests.FirstOrDefault(g => g.Guest == guest) is { } measurement ? Of(measurement, metric) : null;

    private static string ShortKey(string metric) => ReportText.ShortMetric(metric).ToLowerInvariant();
}
