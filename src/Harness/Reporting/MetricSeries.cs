using Harness.Analysis;

namespace Harness.Reporting;

/// <summary>
/// Finds the sampled series behind a check's metric, for error bars and intervals. Metrics without a series
/// (e.g. ones computed once per window) simply get none.
/// </summary>
public static class MetricSeries
{
    public static SeriesSummary? Of(GuestMeasurement guest, Metric metric) =>
        metric == Metric.Cpu ? guest.CpuSeries
        : metric == Metric.Ram ? guest.RamSeries
        : null;

    public static SeriesSummary? Of(ScenarioRecord scenario, string guest, Metric metric) =>
        scenario.Guests.FirstOrDefault(g => g.Guest == guest) is { } measurement ? Of(measurement, metric) : null;
}
