using System.Globalization;
using System.Net;
using System.Text;
using Harness.Reporting;

namespace Harness.History;

/// <summary>The history as an HTML page (trend charts with change points marked) and as Markdown for a job summary.</summary>
public static class HistoryPage
{
    // The run report's look, plus a colour for acknowledged changes.
    private const string Style = HtmlReport.Style + ".ack{color:#57606a}";

    public static string Headline(HistoryAnalysis a) => a.Unacknowledged.Count > 0
        ? $"FAIL: {a.Unacknowledged.Count} change point(s) not acknowledged, of {a.Changes.Count} in {a.Series.Count} series over {a.History.Runs.Count} runs"
        : $"OK: no unacknowledged change point ({a.Changes.Count} acknowledged) in {a.Series.Count} series over {a.History.Runs.Count} runs";

    /// <summary>
    /// Writes the page and its charts/ folder. A chart that cannot be drawn (no native Skia) does not cost the page:
    /// it is written without charts and says why.
    /// </summary>
    public static async Task<IReadOnlyList<HistoryChart>> WriteAsync(HistoryAnalysis analysis, string pagePath, CancellationToken cancellationToken = default)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(pagePath))!;
        Directory.CreateDirectory(folder);
        IReadOnlyList<HistoryChart> charts;
        string? chartError = null;
        try
        {
            charts = await HistoryCharts.WriteAsync(analysis, folder, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            charts = [];
            chartError = $"charts not drawn: {e.GetType().Name}: {e.Message}";
        }
        var temp = pagePath + ".tmp";
        await File.WriteAllTextAsync(temp, Html(analysis, charts, chartError), cancellationToken).ConfigureAwait(false);
        File.Move(temp, pagePath, overwrite: true);
        return charts;
    }

    public static string Html(HistoryAnalysis a, IReadOnlyList<HistoryChart> charts, string? chartError = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html>").AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<title>Isolation history</title><style>{Style}</style></head><body><h1>Isolation history</h1>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<p class=\"{(a.ExitCode == HistoryAnalysis.ExitOk ? "pass" : "fail")}\">{E(Headline(a))}</p>");
        if (a.History.Runs.Count > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"<p>Runs {E(a.History.Runs[0].RunId)} ({E(ReportText.Timestamp(a.History.Runs[0].StartedAt))}) to {E(a.History.Runs[^1].RunId)} ({E(ReportText.Timestamp(a.History.Runs[^1].StartedAt))}).</p>");
        }
        sb.AppendLine("<h2>Change points</h2>");
        if (a.Changes.Count == 0) sb.AppendLine("<p class=\"pass\">None.</p>");
        else
        {
            Header(sb, "scenario", "guest", "metric", "between runs", "mean before", "mean after", "p", "what changed between those runs", "status");
            foreach (var c in a.Changes)
            {
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"<tr><td>{E(c.Key.Scenario)}</td><td>{E(c.Key.Guest)}</td><td>{E(c.Key.Metric.Label)}</td><td>{E(c.RunBefore)} → {E(c.RunAfter)}</td>" +
                    $"<td class=\"n\">{ReportText.Number(c.Change.MeanBefore)}</td><td class=\"n\">{ReportText.Number(c.Change.MeanAfter)}</td><td class=\"n\">{P(c.Change.PValue)}</td>" +
                    $"<td>{E(c.Difference.ToString())}</td><td class=\"{(c.Status == ChangeStatus.Acknowledged ? "ack" : "fail")}\">{E(Status(c))}</td></tr>");
            }
            sb.AppendLine("</table>");
        }
        sb.AppendLine("<h2>Configuration changes</h2><p>Dashed lines on the charts.</p>");
        if (a.Differences.Count == 0) sb.AppendLine("<p>None recorded.</p>");
        else
        {
            Header(sb, "before", "after", "what changed");
            foreach (var d in a.Differences)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"<tr><td>{E(a.History.Runs[d.AfterRun - 1].RunId)}</td><td>{E(a.History.Runs[d.AfterRun].RunId)}</td><td>{E(d.ToString())}</td></tr>");
            }
            sb.AppendLine("</table>");
        }
        sb.AppendLine("<h2>Trends</h2>");
        if (chartError is not null) sb.AppendLine(CultureInfo.InvariantCulture, $"<p class=\"fail\">{E(chartError)}</p>");
        foreach (var scenario in charts.GroupBy(c => c.Scenario, StringComparer.Ordinal))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"<h3>{E(scenario.Key)}</h3>");
            foreach (var c in scenario) sb.AppendLine(CultureInfo.InvariantCulture, $"<a href=\"{E(c.RelativePath)}\"><img src=\"{E(c.RelativePath)}\" alt=\"{E(c.Title)}\"></a>");
        }
        if (a.History.Skipped.Count > 0)
        {
            sb.AppendLine("<h2>Runs not read</h2><ul>");
            foreach (var s in a.History.Skipped) sb.AppendLine(CultureInfo.InvariantCulture, $"<li>{E(s)}</li>");
            sb.AppendLine("</ul>");
        }
        return sb.AppendLine("</body></html>").ToString();
    }

    public static string Markdown(HistoryAnalysis a)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Isolation history").AppendLine().AppendLine(CultureInfo.InvariantCulture, $"**{Headline(a)}**").AppendLine();
        if (a.Changes.Count > 0)
        {
            sb.AppendLine("| scenario | guest | metric | between runs | before → after | p | what changed | status |").AppendLine("|---|---|---|---|---|---:|---|---|");
            foreach (var c in a.Changes)
            {
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {Cell(c.Key.Scenario)} | {Cell(c.Key.Guest)} | {Cell(c.Key.Metric.Label)} | {Cell(c.RunBefore)} → {Cell(c.RunAfter)} | " +
                    $"{ReportText.Number(c.Change.MeanBefore)} → {ReportText.Number(c.Change.MeanAfter)} | {P(c.Change.PValue)} | {Cell(c.Difference.ToString())} | {Cell(Status(c))} |");
            }
            sb.AppendLine();
        }
        if (a.Differences.Count > 0)
        {
            sb.AppendLine("<details><summary>Configuration changes</summary>").AppendLine();
            foreach (var d in a.Differences) sb.AppendLine(CultureInfo.InvariantCulture, $"- {Cell(a.History.Runs[d.AfterRun].RunId)}: {Cell(d.ToString())}");
            sb.AppendLine().AppendLine("</details>").AppendLine();
        }
        return sb.AppendLine("The trend charts are on the history page (the workflow's history artifact).").ToString();
    }

    private static string Status(DetectedChange c) => c.Status switch
    {
        ChangeStatus.Acknowledged => $"acknowledged until {c.Acknowledgement!.Expires:yyyy-MM-dd}: {c.Acknowledgement.Reason}",
        ChangeStatus.Expired => $"NEW (acknowledgement expired {c.Acknowledgement!.Expires:yyyy-MM-dd}: {c.Acknowledgement.Reason})",
        _ => "NEW",
    };

    private static string P(double p) => p < 1e-6 ? "<1e-6" : p.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Cell(string text) => ReportText.MarkdownCell(text);

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static void Header(StringBuilder sb, params string[] names) =>
        sb.AppendLine("<table><tr>" + string.Concat(names.Select(n => $"<th>{E(n)}</th>")) + "</tr>");
}
