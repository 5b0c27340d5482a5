using Harness.Analysis;
using ScottPlot;

namespace Harness.Reporting;

public enum ChartKind
{
    /// <summary>Per scenario: target vs measured per guest and metric, error bars = the series' standard deviation (the paper's Figure 3).</summary>
    TargetsVsMeasured,

    /// <summary>Per scenario and guest: the sampled series over the measurement window (results without segments).</summary>
    TimeSeries,

    /// <summary>
    /// Per scenario and guest: each repetition's slowdown, wait increase and throughput loss (its co-run segment
    /// against its solo one), the verdict's estimate with its interval, and each limit.
    /// </summary>
    Repetitions,
}

/// <summary>One chart of a run report; <see cref="RelativePath"/> is relative to the run folder, with '/' separators.</summary>
public sealed record ReportChart(string Scenario, ChartKind Kind, string? Guest, string Title, string RelativePath);

/// <summary>Draws a run's charts as PNG files under <c>charts/</c> in the run folder.</summary>
public static class RunCharts
{
    public const string Folder = "charts";

    private const int Width = 900, Height = 450, SeriesWidth = 700, SeriesHeight = 320;

    /// <summary>The charts a run gets and where they go, without drawing anything (reports link these).</summary>
    public static IReadOnlyList<ReportChart> Plan(RunRecord record) =>
        record.Scenarios.SelectMany((s, i) => PlanScenario(s, i)).ToArray();

    /// <summary>Where <paramref name="chart"/> lives in <paramref name="runFolder"/>.</summary>
    public static string PathIn(string runFolder, ReportChart chart) =>
        Path.Combine(runFolder, chart.RelativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The planned charts that exist in <paramref name="runFolder"/>, and how many do not.</summary>
    public static (IReadOnlyList<ReportChart> Drawn, int Missing) Drawn(RunRecord record, string runFolder)
    {
        var plan = Plan(record);
        var drawn = plan.Where(c => File.Exists(PathIn(runFolder, c))).ToArray();
        return (drawn, plan.Count - drawn.Length);
    }

    /// <summary>Draws every planned chart; returns the ones written.</summary>
    public static async Task<IReadOnlyList<ReportChart>> WriteAsync(RunRecord record, string runFolder, CancellationToken cancellationToken)
    {
        var plan = Plan(record);
        Directory.CreateDirectory(Path.Combine(runFolder, Folder));
        var byName = record.Scenarios.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var chart in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var scenario = byName[chart.Scenario];
            var path = PathIn(runFolder, chart);
            // Skia drawing is CPU-bound and synchronous; keep it off the caller's thread.
            await Task.Run(() =>
            {
                if (chart.Kind == ChartKind.TargetsVsMeasured) DrawTargets(scenario, chart.Title, path);
                else if (chart.Kind == ChartKind.Repetitions) RepetitionChart.Draw(scenario, chart.Guest!, chart.Title, path, SeriesWidth, SeriesHeight);
                else DrawSeries(scenario.Guests.First(g => g.Guest == chart.Guest), chart.Title, path);
            }, cancellationToken).ConfigureAwait(false);
        }
        return plan;
    }

    private static IEnumerable<ReportChart> PlanScenario(ScenarioRecord s, int index)
    {
        // The index keeps names unique even if two scenarios share a name.
        var stem = $"{Folder}/{index + 1:00}-{ReportText.Slug(s.Name)}";
        if (s.Checks.Count > 0)
        {
            yield return new ReportChart(s.Name, ChartKind.TargetsVsMeasured, null, $"{s.Name}: target vs measured", $"{stem}-targets.png");
        }
        foreach (var g in s.Guests)
        {
            // A series joined across segments mixes co-run and solo stretches with frozen ones in between; with the
            // segments kept, the guest's chart shows them as the verdict uses them: paired, per repetition.
            if (g.Segments is { Count: > 0 })
            {
                yield return new ReportChart(s.Name, ChartKind.Repetitions, g.Guest, $"{s.Name}: {g.Guest} per repetition", $"{stem}-{ReportText.Slug(g.Guest)}-repetitions.png");
            }
            else if (g.Series.Count > 0)
            {
                yield return new ReportChart(s.Name, ChartKind.TimeSeries, g.Guest, $"{s.Name}: {g.Guest} over the window", $"{stem}-{ReportText.Slug(g.Guest)}-series.png");
            }
        }
    }

    /// <summary>Grouped bars: per guest, for each checked metric, a light target bar beside a dark measured bar.</summary>
    private static void DrawTargets(ScenarioRecord scenario, string title, string path)
    {
        var plot = new Plot();
        var guests = scenario.Checks.Select(c => c.Guest).Distinct(StringComparer.Ordinal).ToArray();
        var metrics = scenario.Checks.Select(c => c.Metric).Distinct().ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        var slot = 2 * metrics.Length + 1;
        for (var gi = 0; gi < guests.Length; gi++)
        {
            for (var mi = 0; mi < metrics.Length; mi++)
            {
                if (scenario.Checks.FirstOrDefault(c => c.Guest == guests[gi] && c.Metric == metrics[mi]) is not { } check) continue;
                var color = palette.GetColor(mi);
                var x = gi * slot + 2 * mi;
                bars.Add(new Bar { Position = x, Value = check.Target, FillColor = color.WithAlpha(0.35) });
                bars.Add(new Bar
                {
                    Position = x + 1,
                    Value = double.IsNaN(check.Measured) ? 0 : check.Measured,
                    Error = MetricSeries.Of(scenario, guests[gi], metrics[mi])?.StdDev is { } sd && !double.IsNaN(sd) ? sd : 0,
                    FillColor = color,
                });
            }
        }
        plot.Add.Bars(bars);
        var ticks = guests.Select((g, gi) => new Tick(gi * slot + metrics.Length - 0.5, g)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        for (var mi = 0; mi < metrics.Length; mi++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"{metrics[mi]} target", FillColor = palette.GetColor(mi).WithAlpha(0.35) });
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"{metrics[mi]} measured (± SD)", FillColor = palette.GetColor(mi) });
        }
        // Outside the data area: at 90-100 % the bars reach the top corner where a legend would sit.
        plot.ShowLegend(Edge.Right);
        plot.Title(title);
        plot.YLabel("% of allocation");
        plot.Axes.Margins(bottom: 0);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>CPU % and RAM % against seconds into the window, with each target as a dashed line.</summary>
    private static void DrawSeries(GuestMeasurement guest, string title, string path)
    {
        var plot = new Plot();
        var start = guest.Series[0].GuestTime;
        var xs = guest.Series.Select(p => p.GuestTime - start).ToArray();
        AddLine(plot, xs, guest.Series.Select(p => p.CpuPercent).ToArray(), "CPU %", guest.TargetCpuPercent, Colors.C0);
        AddLine(plot, xs, guest.Series.Select(p => p.RamPercent).ToArray(), "RAM %", guest.TargetRamPercent, Colors.C1);
        if (guest.Series.Any(p => p.StealPercent > 0))
        {
            var steal = plot.Add.Scatter(xs, guest.Series.Select(p => p.StealPercent).ToArray(), Colors.C3);
            steal.LegendText = "steal %";
        }
        plot.ShowLegend(Alignment.UpperRight);
        plot.Title(title);
        plot.XLabel("seconds into the window");
        plot.YLabel("% of allocation");
        plot.Axes.SetLimitsY(0, Math.Max(110, guest.Series.Max(p => Math.Max(p.CpuPercent, p.RamPercent)) + 10));
        plot.SavePng(path, SeriesWidth, SeriesHeight);
    }

    private static void AddLine(Plot plot, double[] xs, double[] ys, string label, double target, Color color)
    {
        var line = plot.Add.Scatter(xs, ys, color);
        line.LegendText = label;
        var goal = plot.Add.HorizontalLine(target, 1, color);
        goal.LinePattern = LinePattern.Dashed;
        goal.LegendText = $"{label} target";
    }
}
