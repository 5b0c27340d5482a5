using System.Globalization;
using System.Text;
using Harness.Analysis;

namespace Harness.Reporting;

/// <summary>report.md of a run, and a compact variant for CI job summaries.</summary>
public static class MarkdownReport
{
    /// <summary>GitHub refuses job summaries over 1 MiB; stay clear of it with room for other steps.</summary>
    public const int SummaryByteBudget = 900 * 1024;

    private const int SummaryBreaches = 10;

    // Table 1 has 16 rows; a custom scenario file could have thousands, and the summary must stay small.
    private const int SummaryTableRows = 100;

    /// <summary>The full report: headline, worst breaches first, Table 1, testbed facts, settings, then each scenario with its charts.</summary>
    public static string Render(RunRecord record, IReadOnlyList<ReportChart> charts)
    {
        var m = RunSummaryModel.Of(record);
        var sb = new StringBuilder();
        Heading(sb, m);
        Breaches(sb, m, limit: null);
        Table1(sb, m, limit: null);
        KeyValues(sb, "## Testbed", "fact", m.Facts);
        KeyValues(sb, "## Settings", "setting", m.Settings);
        sb.AppendLine("## Scenarios").AppendLine();
        foreach (var s in record.Scenarios)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"### {ReportText.MarkdownCell(s.DisplayName)}: {s.Outcome}").AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"Started {ReportText.Timestamp(s.StartedAt)}, took {ReportText.Duration(s.WallSeconds)}{(s.Repetitions is { } n ? $", {n} repetitions" : "")}.").AppendLine();
            if (s.Error is not null) sb.AppendLine(CultureInfo.InvariantCulture, $"> {ReportText.MarkdownCell(s.Error)}").AppendLine();
            if (ReportText.Allocations(s.Guests) is { } allocations) sb.AppendLine(CultureInfo.InvariantCulture, $"Allocation: {allocations}.").AppendLine();
            foreach (var note in s.Notes ?? []) sb.AppendLine(CultureInfo.InvariantCulture, $"{ReportText.MarkdownCell(note)}").AppendLine();
            foreach (var chart in charts.Where(c => c.Scenario == s.Name && c.Kind == ChartKind.TargetsVsMeasured))
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"![{chart.Title}]({chart.RelativePath})").AppendLine();
            }
            Checks(sb, s.Checks);
            HostViewText.Markdown(sb, s.Guests, s.Checks);
            Series(sb, s);
            foreach (var perGuest in charts.Where(c => c.Scenario == s.Name && c.Guest is not null).GroupBy(c => c.Kind))
            {
                var label = perGuest.Key == ChartKind.Repetitions ? "Per repetition" : "Time series";
                sb.AppendLine($"{label}: " + string.Join(" · ", perGuest.Select(c => $"[{c.Guest}]({c.RelativePath})"))).AppendLine();
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// For <c>$GITHUB_STEP_SUMMARY</c>: headline, the worst breaches and Table 1 in view, per-scenario checks and
    /// testbed facts folded in &lt;details&gt;. Stays under <see cref="SummaryByteBudget"/> by dropping details last-first.
    /// </summary>
    public static string Summary(RunRecord record)
    {
        var m = RunSummaryModel.Of(record);
        var head = new StringBuilder();
        Heading(head, m);
        Breaches(head, m, SummaryBreaches);
        Table1(head, m, SummaryTableRows);

        var facts = new StringBuilder();
        facts.AppendLine("<details><summary>Testbed</summary>").AppendLine();
        KeyValues(facts, null, "fact", m.Facts);
        facts.AppendLine("</details>").AppendLine();

        var budget = SummaryByteBudget - Encoding.UTF8.GetByteCount(head.ToString()) - Encoding.UTF8.GetByteCount(facts.ToString());
        var details = new StringBuilder();
        var left = 0;
        foreach (var s in record.Scenarios)
        {
            var one = new StringBuilder();
            one.AppendLine(CultureInfo.InvariantCulture, $"<details><summary>{System.Net.WebUtility.HtmlEncode(s.DisplayName)}: {s.Outcome}</summary>").AppendLine();
            if (s.Error is not null) one.AppendLine(CultureInfo.InvariantCulture, $"> {ReportText.MarkdownCell(s.Error)}").AppendLine();
            Checks(one, s.Checks);
            one.AppendLine("</details>").AppendLine();
            var size = Encoding.UTF8.GetByteCount(one.ToString());
            if (left > 0 || size > budget) { left++; continue; }
            budget -= size;
            details.Append(one);
        }
        if (left > 0) details.AppendLine(CultureInfo.InvariantCulture, $"({left} scenario(s) left out to keep the summary small; see report.md in the run's artifacts.)").AppendLine();
        return head.Append(details).Append(facts).ToString();
    }

    private static void Heading(StringBuilder sb, RunSummaryModel m)
    {
        var r = m.Record;
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Isolation run {r.RunId}").AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"**{m.Headline()}**").AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"Started {ReportText.Timestamp(r.StartedAt)}, wall time {ReportText.Duration(r.WallSeconds)}{(r.FinishedAt is null ? " (unfinished)" : "")}; " +
            $"backend {Fact(r, "backend")}, results schema {r.SchemaVersion}.").AppendLine();
    }

    private static string Fact(RunRecord r, string key) => r.Testbed.TryGetValue(key, out var v) ? ReportText.Safe(key, v) : "n/a";

    private static void Breaches(StringBuilder sb, RunSummaryModel m, int? limit)
    {
        sb.AppendLine("## Worst breaches").AppendLine();
        if (m.Breaches.Count == 0)
        {
            sb.AppendLine("None: every check held.").AppendLine();
            return;
        }
        sb.AppendLine("| scenario | guest | metric | target | measured | error | tolerance | over by |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (var b in m.Breaches.Take(limit ?? int.MaxValue))
        {
            var c = b.Check;
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {ReportText.MarkdownCell(b.Scenario)} | {c.Guest} | {c.Metric} | {ReportText.Number(c.Target)} | {ReportText.Number(c.Measured)} | {ReportText.Signed(c.Error)} | {c.LimitText} | {ReportText.Number(b.Excess)} |");
        }
        if (limit is { } l && m.Breaches.Count > l) sb.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"…and {m.Breaches.Count - l} more.");
        sb.AppendLine();
    }

    /// <summary>The paper's Table 1 with what was measured: one row per scenario, one cell per guest with its mark.</summary>
    private static void Table1(StringBuilder sb, RunSummaryModel m, int? limit)
    {
        sb.AppendLine("## Table 1: target → measured").AppendLine();
        sb.AppendLine("| scenario | " + string.Join(" | ", m.Guests) + " | result |");
        sb.AppendLine("|---|" + string.Concat(m.Guests.Select(_ => "---|")) + "---|");
        foreach (var s in m.Record.Scenarios.Take(limit ?? int.MaxValue))
        {
            var cells = m.Guests.Select(g =>
            {
                var checks = RunSummaryModel.ChecksOf(s, g);
                return checks.Count == 0 ? "—" : $"{RunSummaryModel.Mark(checks, s.Outcome)} " + string.Join("<br>", checks.Select(RunSummaryModel.TargetToMeasured));
            });
            var result = s.Error is null ? s.Outcome : $"{s.Outcome}: {ReportText.MarkdownCell(s.Error)}";
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {ReportText.MarkdownCell(s.Name)} | {string.Join(" | ", cells)} | {result} |");
        }
        if (limit is { } l && m.Record.Scenarios.Count > l) sb.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"…and {m.Record.Scenarios.Count - l} more scenario(s).");
        sb.AppendLine();
    }

    private static void Checks(StringBuilder sb, IReadOnlyList<Check> checks)
    {
        if (checks.Count == 0) return;
        sb.AppendLine("| guest | metric | target | measured | error | tolerance | result |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---|");
        foreach (var c in checks)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {c.Guest} | {c.Metric} | {ReportText.Number(c.Target)} | {ReportText.Number(c.Measured)} | {ReportText.Signed(c.Error)} | {c.LimitText} | {ReportText.Outcome(c)} |");
        }
        sb.AppendLine();
    }

    private static void Series(StringBuilder sb, ScenarioRecord s)
    {
        var rows = s.Checks
            .Select(c => (c.Guest, c.Metric, Summary: MetricSeries.Of(s, c.Guest, c.Metric)))
            .Where(r => r.Summary is { Count: > 0 })
            .ToArray();
        if (rows.Length == 0) return;
        sb.AppendLine("| guest | series | n | mean | SD | 95% CI of mean | min | max |");
        sb.AppendLine("|---|---|---:|---:|---:|---|---:|---:|");
        foreach (var (guest, metric, summary) in rows)
        {
            var ci = MeanInterval.Of(summary!);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {guest} | {metric} | {summary!.Count} | {ReportText.Number(summary.Mean)} | {ReportText.Number(summary.StdDev)} | {(ci is null ? "n/a" : $"{ReportText.Number(ci.Low)} – {ReportText.Number(ci.High)}")} | {ReportText.Number(summary.Min)} | {ReportText.Number(summary.Max)} |");
        }
        sb.AppendLine();
    }

    private static void KeyValues(StringBuilder sb, string? heading, string name, IReadOnlyList<(string Key, string Value)> pairs)
    {
        if (heading is not null) sb.AppendLine(heading).AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"| {name} | value |").AppendLine("|---|---|");
        foreach (var (key, value) in pairs) sb.AppendLine(CultureInfo.InvariantCulture, $"| {ReportText.MarkdownCell(key)} | {ReportText.MarkdownCell(value)} |");
        sb.AppendLine();
    }
}
