using Harness.Analysis;
using Harness.Reporting;
using ScottPlot;

namespace Harness.History;

/// <summary>One trend chart of the history page: a scenario's metric over the runs, one line per guest.</summary>
public sealed record HistoryChart(string Scenario, Metric Metric, string Title, string RelativePath);

/// <summary>
/// Draws the history page's charts as PNG files (headless, like <see cref="RunCharts"/>). Change points are solid
/// vertical lines between the last run of the old level and the first of the new (red when they fail the gate,
/// grey when acknowledged); runs whose controls, versions or settings changed are dashed lines.
/// </summary>
public static class HistoryCharts
{
    public const string Folder = "history-charts";

    private const int Width = 900, Height = 360;

    public static IReadOnlyList<HistoryChart> Plan(HistoryAnalysis analysis) =>
        analysis.Series.Select(s => (s.Key.Scenario, s.Key.Metric)).Distinct()
            .Select((k, i) => new HistoryChart(k.Scenario, k.Metric, $"{k.Scenario}: {k.Metric.Label}",
                $"{Folder}/{i + 1:000}-{ReportText.Slug(k.Scenario)}-{ReportText.Slug(k.Metric.Id)}.png"))
            .ToArray();

    public static async Task<IReadOnlyList<HistoryChart>> WriteAsync(HistoryAnalysis analysis, string pageFolder, CancellationToken cancellationToken)
    {
        var plan = Plan(analysis);
        Directory.CreateDirectory(Path.Combine(pageFolder, Folder));
        foreach (var chart in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = Path.Combine(pageFolder, chart.RelativePath.Replace('/', Path.DirectorySeparatorChar));
            // Skia drawing is CPU-bound and synchronous; keep it off the caller's thread.
            await Task.Run(() => Draw(analysis, chart, path), cancellationToken).ConfigureAwait(false);
        }
        return plan;
    }

    private static void Draw(HistoryAnalysis analysis, HistoryChart chart, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var series = analysis.Series.Where(s => s.Key.Scenario == chart.Scenario && s.Key.Metric == chart.Metric).ToArray();
        for (var i = 0; i < series.Length; i++)
        {
            var line = plot.Add.Scatter(series[i].Points.Select(p => (double)p.Run).ToArray(), series[i].Points.Select(p => p.Value).ToArray(), palette.GetColor(i));
            line.LegendText = series[i].Key.Guest;
        }
        var provenanceShown = false;
        foreach (var d in analysis.Differences)
        {
            var marker = plot.Add.VerticalLine(d.AfterRun - 0.5, 1, Colors.Gray);
            marker.LinePattern = LinePattern.Dashed;
            if (!provenanceShown) marker.LegendText = "configuration changed";
            provenanceShown = true;
        }
        foreach (var (c, i) in analysis.Changes.Where(c => c.Key.Scenario == chart.Scenario && c.Key.Metric == chart.Metric).Select((c, i) => (c, i)))
        {
            var failing = c.Status != ChangeStatus.Acknowledged;
            var marker = plot.Add.VerticalLine(c.AfterRun - 0.5, 3, failing ? Colors.Red : Colors.DarkGray);
            marker.LegendText = $"{c.Key.Guest}: change point{(failing ? "" : " (acknowledged)")}";
        }
        // Dates rather than positions, so a line on the chart can be found among the night's runs; at most ~12 labels.
        var runs = analysis.History.Runs;
        var every = Math.Max(1, (int)Math.Ceiling(runs.Count / 12.0));
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(Enumerable.Range(0, runs.Count).Where(i => i % every == 0)
            .Select(i => new Tick(i, runs[i].StartedAt.UtcDateTime.ToString("MM-dd", System.Globalization.CultureInfo.InvariantCulture))).ToArray());
        plot.ShowLegend(Edge.Right);
        plot.Title(chart.Title);
        plot.XLabel("run start (UTC), oldest first");
        plot.YLabel(chart.Metric.Unit.Length > 0 ? chart.Metric.Unit : chart.Metric.Label);
        plot.SavePng(path, Width, Height);
    }
}
