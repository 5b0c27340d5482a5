using System.Globalization;
using System.Text;

namespace Harness.Reporting.Comparison;

/// <summary>A comparison as Markdown, for job summaries and upgrade-gate tickets: regressions in view, the rest folded.</summary>
public static class ComparisonMarkdown
{
    public static string Render(RunComparison comparison)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Run {comparison.RunId} against baseline {comparison.BaselineId}").AppendLine();
        if (comparison.RefusalMessage is { } refusal) return sb.AppendLine(CultureInfo.InvariantCulture, $"**NOT COMPARABLE**: {ReportText.MarkdownCell(refusal)}").AppendLine().ToString();
        if (comparison.Incomparable.Count > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"> Compared anyway, although the runs differ in: {ReportText.MarkdownCell(string.Join("; ", comparison.Incomparable))}").AppendLine();
        }
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"**{(comparison.Regressed ? "REGRESSED" : "OK")}**: {comparison.Regressions.Count} regression(s) in {comparison.Metrics.Count} metric(s); " +
            $"{ComparisonText.Rule(comparison.Options)}.").AppendLine();
        if (comparison.Regressions.Count > 0) Metrics(sb, comparison.Regressions);
        sb.AppendLine("<details><summary>All metrics</summary>").AppendLine();
        Metrics(sb, comparison.Metrics);
        sb.AppendLine("</details>").AppendLine();
        sb.AppendLine("| section | fact | baseline | run | |").AppendLine("|---|---|---|---|---|");
        foreach (var f in comparison.Facts)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {f.Section} | {ReportText.MarkdownCell(f.Name)} | {ReportText.MarkdownCell(f.Baseline ?? "—")} | {ReportText.MarkdownCell(f.Run ?? "—")} | {(f.Differs ? "differs" : "")} |");
        }
        return sb.AppendLine().ToString();
    }

    private static void Metrics(StringBuilder sb, IReadOnlyList<MetricComparison> metrics)
    {
        sb.AppendLine("| scenario | guest | metric | target | baseline | run | worse by | p (Holm) | status |").AppendLine("|---|---|---|---:|---|---|---:|---:|---|");
        foreach (var m in metrics)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {ReportText.MarkdownCell(m.Scenario)} | {m.Guest} | {m.Metric} | {ComparisonText.Number(m.Target)} | {ComparisonText.Value(m.Baseline?.Measured, m.BaselineInterval)} | {ComparisonText.Value(m.Run?.Measured, m.RunInterval)} | {ComparisonText.Worse(m)} | {ComparisonText.P(m)} | {m.Status} |");
        }
        sb.AppendLine();
    }
}

/// <summary>Numbers of a comparison as every front end prints them (Markdown, terminal).</summary>
public static class ComparisonText
{
    public static string Number(double value) => ReportText.Number(value);

    /// <summary>"31.4 (±2.1)": the measured value and the half-width of its series' 95% interval, when it has one.</summary>
    public static string Value(double? measured, MeanInterval? interval) => measured is not { } v ? "—"
        : interval is null ? ReportText.Number(v) : $"{ReportText.Number(v)} (±{ReportText.Number(interval.HalfWidth)})";

    /// <summary>The Holm-adjusted p-value of "worse", or "—" when a run kept no segments to test.</summary>
    public static string P(MetricComparison m) => m.AdjustedP is not { } p ? "—" : p < 0.001 ? "<0.001" : ReportText.Number(p, "0.000");

    /// <summary>What it takes to regress, as both front ends state it.</summary>
    public static string Rule(ComparisonOptions o) =>
        $"threshold {ReportText.Number(o.ThresholdPercent, "0.##")} % and {ReportText.Number(o.MinimumPoints, "0.##")} points, beyond noise at α = {ReportText.Number(o.Alpha, "0.###")} (Holm)";

    /// <summary>"+9.7 pt (+25.0 %)": growth of badness in points and relative to the baseline.</summary>
    public static string Worse(MetricComparison m) => m.WorseByPoints is not { } d ? "—"
        : double.IsPositiveInfinity(m.WorseByPercent ?? 0) ? $"{ReportText.Signed(d)} pt"
        : $"{ReportText.Signed(d)} pt ({ReportText.Signed(m.WorseByPercent ?? 0)} %)";
}
