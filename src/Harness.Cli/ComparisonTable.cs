using Harness.Reporting.Comparison;
using Spectre.Console;

namespace Harness.Cli;

/// <summary>A comparison on the terminal: metrics (regressions in red), then the facts side by side, then the verdict.</summary>
internal static class ComparisonTable
{
    public static void Write(IAnsiConsole console, RunComparison comparison)
    {
        if (comparison.RefusalMessage is { } refusal)
        {
            console.MarkupLine($"[red bold]NOT COMPARABLE[/]: {Markup.Escape(refusal)}");
            return;
        }
        if (comparison.Incomparable.Count > 0)
        {
            console.MarkupLine($"[yellow]compared anyway, although the runs differ in: {Markup.Escape(string.Join("; ", comparison.Incomparable))}[/]");
        }
        var metrics = new Table().Border(TableBorder.Rounded)
            .Title($"run [bold]{Markup.Escape(comparison.RunId)}[/] against baseline [bold]{Markup.Escape(comparison.BaselineId)}[/]")
            .AddColumns("scenario", "guest", "metric", "target", "baseline (±95% CI)", "run (±95% CI)", "worse by", "p (Holm)", "status");
        foreach (var c in new[] { 3, 4, 5, 6, 7 }) metrics.Columns[c].RightAligned();
        foreach (var m in comparison.Metrics)
        {
            metrics.AddRow(
                Markup.Escape(m.Scenario), Markup.Escape(m.Guest), Markup.Escape(m.Metric.Label), ComparisonText.Number(m.Target),
                ComparisonText.Value(m.Baseline?.Measured, m.BaselineInterval), ComparisonText.Value(m.Run?.Measured, m.RunInterval),
                ComparisonText.Worse(m), ComparisonText.P(m), Status(m.Status, comparison.Options));
        }
        console.Write(metrics);

        var facts = new Table().Border(TableBorder.Rounded).Title("testbed and settings").AddColumns("section", "fact", "baseline", "run", "");
        foreach (var f in comparison.Facts)
        {
            facts.AddRow(f.Section, Markup.Escape(f.Name), Markup.Escape(f.Baseline ?? "—"), Markup.Escape(f.Run ?? "—"), f.Differs ? "[yellow]differs[/]" : "");
        }
        console.Write(facts);

        var o = comparison.Options;
        var rule = ComparisonText.Rule(o);
        console.MarkupLine(comparison.Regressed
            ? $"[red bold]REGRESSED[/]: {comparison.Regressions.Count} of {comparison.Metrics.Count} metric(s) ({rule})"
            : $"[green bold]OK[/]: no regression in {comparison.Metrics.Count} metric(s) ({rule})");
    }

    private static string Status(ComparisonStatus status, ComparisonOptions options) => status switch
    {
        ComparisonStatus.Regressed => "[red bold]regressed[/]",
        ComparisonStatus.Missing when !options.AllowMissing => "[red bold]missing[/]",
        ComparisonStatus.Missing => "[yellow]missing[/]",
        ComparisonStatus.Worse => "[yellow]worse[/]",
        ComparisonStatus.Better => "[green]better[/]",
        _ => status.ToString().ToLowerInvariant(),
    };
}
