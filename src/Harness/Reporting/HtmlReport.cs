using System.Globalization;
using System.Net;
using System.Text;
using Harness.Analysis;

namespace Harness.Reporting;

/// <summary>report.html of a run: the same content as report.md with the charts shown inline. No scripts, no external assets.</summary>
public static class HtmlReport
{
    internal const string Style = """
        body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}
        table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}
        th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
        .pass{color:#1a7f37}.fail{color:#cf222e;font-weight:600}.invalid{color:#9a6700;font-weight:600}img{max-width:100%;border:1px solid #eee;margin:.25rem 0}
        .series img{max-width:49%}
        """;

    public static string Render(RunRecord record, IReadOnlyList<ReportChart> charts)
    {
        var m = RunSummaryModel.Of(record);
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html>").AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<title>Isolation run {E(record.RunId)}</title><style>{Style}</style></head><body>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<h1>Isolation run {E(record.RunId)}</h1>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<p class=\"{(m.RunPassed ? "pass" : "fail")}\">{E(m.Headline())}</p>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<p>Started {E(ReportText.Timestamp(record.StartedAt))}, wall time {E(ReportText.Duration(record.WallSeconds))}. Results schema {record.SchemaVersion}; data in <a href=\"results.json\">results.json</a>.</p>");

        sb.AppendLine("<h2>Worst breaches</h2>");
        if (m.Breaches.Count == 0) sb.AppendLine("<p class=\"pass\">None: every check held.</p>");
        else
        {
            Header(sb, "scenario", "guest", "metric", "target", "measured", "error", "tolerance", "over by");
            foreach (var b in m.Breaches)
            {
                var c = b.Check;
                Row(sb, [E(b.Scenario), E(c.Guest), E(c.Metric.Label)], [ReportText.Number(c.Target), ReportText.Number(c.Measured), ReportText.Signed(c.Error), c.LimitText, ReportText.Number(b.Excess)]);
            }
            sb.AppendLine("</table>");
        }

        sb.AppendLine("<h2>Table 1: target → measured</h2>");
        Header(sb, ["scenario", .. m.Guests, "result"]);
        foreach (var s in record.Scenarios)
        {
            sb.Append("<tr><td>").Append(E(s.Name)).Append("</td>");
            foreach (var g in m.Guests)
            {
                var checks = RunSummaryModel.ChecksOf(s, g);
                sb.Append(checks.Count == 0 ? "<td>—</td>" : $"<td class=\"{RunSummaryModel.CssClass(checks, s.Outcome)}\">{RunSummaryModel.Mark(checks, s.Outcome)} {string.Join("<br>", checks.Select(c => E(RunSummaryModel.TargetToMeasured(c))))}</td>");
            }
            sb.AppendLine(CultureInfo.InvariantCulture, $"<td>{E(s.Outcome)}{(s.Error is null ? "" : ": " + E(s.Error))}</td></tr>");
        }
        sb.AppendLine("</table>");

        KeyValues(sb, "Testbed", m.Facts);
        KeyValues(sb, "Settings", m.Settings);

        sb.AppendLine("<h2>Scenarios</h2>");
        foreach (var s in record.Scenarios)
        {
            var css = s.Outcome switch { "pass" => "pass", "invalid" or "inconclusive" => "invalid", _ => "fail" };
            sb.AppendLine(CultureInfo.InvariantCulture, $"<h3>{E(s.DisplayName)}: <span class=\"{css}\">{E(s.Outcome)}</span></h3>");
            sb.AppendLine(CultureInfo.InvariantCulture, $"<p>Took {E(ReportText.Duration(s.WallSeconds))}{(s.Repetitions is { } reps ? $", {reps} repetitions" : "")}.</p>");
            if (s.Error is not null) sb.AppendLine(CultureInfo.InvariantCulture, $"<p class=\"fail\">{E(s.Error)}</p>");
            if (ReportText.Allocations(s.Guests) is { } allocations) sb.AppendLine(CultureInfo.InvariantCulture, $"<p>Allocation: {E(allocations)}.</p>");
            foreach (var note in s.Notes ?? []) sb.AppendLine(CultureInfo.InvariantCulture, $"<p>{E(note)}</p>");
            foreach (var c in charts.Where(c => c.Scenario == s.Name && c.Kind == ChartKind.TargetsVsMeasured)) Image(sb, c);
            if (s.Checks.Count > 0)
            {
                Header(sb, "guest", "metric", "target", "measured", "error", "tolerance", "SD of series", "result");
                foreach (var c in s.Checks)
                {
                    var sd = MetricSeries.Of(s, c.Guest, c.Metric)?.StdDev;
                    sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(c.Guest)}</td><td>{E(c.Metric.Label)}</td>");
                    foreach (var n in new[] { ReportText.Number(c.Target), ReportText.Number(c.Measured), ReportText.Signed(c.Error), c.LimitText, ReportText.Number(sd) })
                    {
                        sb.Append("<td class=\"n\">").Append(n).Append("</td>");
                    }
                    sb.AppendLine(CultureInfo.InvariantCulture, $"<td class=\"{(c.Outcome == Outcome.Inconclusive ? "invalid" : c.Outcome.ToString().ToLowerInvariant())}\">{ReportText.Outcome(c)}</td></tr>");
                }
                sb.AppendLine("</table>");
            }
            var series = charts.Where(c => c.Scenario == s.Name && c.Guest is not null).ToArray();
            if (series.Length > 0)
            {
                sb.AppendLine("<div class=\"series\">");
                foreach (var c in series) Image(sb, c);
                sb.AppendLine("</div>");
            }
        }
        sb.AppendLine("</body></html>");
        return sb.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static void Image(StringBuilder sb, ReportChart c) =>
        sb.AppendLine(CultureInfo.InvariantCulture, $"<a href=\"{E(c.RelativePath)}\"><img src=\"{E(c.RelativePath)}\" alt=\"{E(c.Title)}\"></a>");

    private static void Header(StringBuilder sb, params string[] names) =>
        sb.AppendLine("<table><tr>" + string.Concat(names.Select(n => $"<th>{E(n)}</th>")) + "</tr>");

    private static void Row(StringBuilder sb, string[] texts, string[] numbers) =>
        sb.AppendLine("<tr>" + string.Concat(texts.Select(t => $"<td>{t}</td>")) + string.Concat(numbers.Select(n => $"<td class=\"n\">{E(n)}</td>")) + "</tr>");

    private static void KeyValues(StringBuilder sb, string heading, IReadOnlyList<(string Key, string Value)> pairs)
    {
        sb.AppendLine(CultureInfo.InvariantCulture, $"<h2>{E(heading)}</h2>");
        Header(sb, "name", "value");
        foreach (var (key, value) in pairs) sb.AppendLine(CultureInfo.InvariantCulture, $"<tr><td>{E(key)}</td><td>{E(value)}</td></tr>");
        sb.AppendLine("</table>");
    }
}
