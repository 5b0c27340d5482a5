using Harness.Analysis;
using ScottPlot;

namespace Harness.Reporting;

/// <summary>
/// A guest's interference per repetition (a forest plot): one dot per repetition and metric, then the verdict's
/// estimate with its 95% interval, each metric's limit as a dashed line in its colour. What a reader needs to see
/// why a check passed, failed or could not be judged: the spread, the interval and the limit together.
/// </summary>
internal static class RepetitionChart
{
    private static readonly Metric[] Costs = [Metric.Slowdown, Metric.WaitIncrease, Metric.ThroughputLoss];

    public static void Draw(ScenarioRecord scenario, string guest, string title, string path, int width, int height)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var repetitions = 0;
        for (var mi = 0; mi < Costs.Length; mi++)
        {
            var metric = Costs[mi];
            var color = palette.GetColor(mi);
            var offset = (mi - 1) * 0.2;
            if (RepetitionValues.Of(scenario, guest, metric) is { } values)
            {
                repetitions = Math.Max(repetitions, values.Length);
                var dots = plot.Add.Markers(values.Select((_, i) => i + 1 + offset).ToArray(), values, MarkerShape.FilledCircle, 6, color);
                dots.LegendText = $"{metric.Label} per repetition";
            }
            if (scenario.Checks.FirstOrDefault(c => c.Guest == guest && c.Metric == metric) is not { } check) continue;
            if (!double.IsNaN(check.Measured))
            {
                var x = repetitions + 1.5 + offset;
                var estimate = plot.Add.Markers(new[] { x }, new[] { check.Measured }, MarkerShape.FilledSquare, 9, color);
                estimate.LegendText = $"{metric.Label} estimate (95% interval) · {check.Outcome.ToString().ToLowerInvariant()}";
                if (check.HasInterval)
                {
                    var interval = plot.Add.ErrorBar(new[] { x }, new[] { check.Measured }, new[] { 0.0 });
                    interval.YErrorNegative = [check.Measured - check.Low];
                    interval.YErrorPositive = [check.High - check.Measured];
                    interval.Color = color;
                }
            }
            var limit = plot.Add.HorizontalLine(check.Tolerance, 1, color);
            limit.LinePattern = LinePattern.Dashed;
            limit.LegendText = $"{metric.Label} limit";
        }
        var ticks = Enumerable.Range(1, repetitions).Select(i => new Tick(i, i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Append(new Tick(repetitions + 1.5, "estimate")).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        var zero = plot.Add.HorizontalLine(0, 1, Colors.Gray);
        zero.LinePattern = LinePattern.Dotted;
        plot.ShowLegend(Edge.Right);
        plot.Title(title);
        plot.XLabel("repetition (co-run segment against its solo segment)");
        plot.YLabel("% (wait: points of wall time)");
        plot.SavePng(path, width + 250, height);
    }
}
