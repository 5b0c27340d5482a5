using System.Globalization;
using System.Text;
using Harness.Analysis;

namespace Harness.Reporting;

/// <summary>The host's view of each guest beside the guest's own, as the console, report.md and summary.txt show it.</summary>
internal static class HostViewText
{
    /// <summary>One line per guest under a scenario's verdict table; nothing for results that predate the host view.</summary>
    public static string Table(IReadOnlyList<GuestMeasurement> guests, IReadOnlyList<Check> checks)
    {
        if (guests.All(g => g.Host is null)) return "";
        var sb = new StringBuilder();
        if (Unavailable(guests) is { } reason) return sb.AppendLine("host view: " + reason).ToString();
        sb.AppendLine("host view: CPU % of allocation, in-guest against the host over the same segments");
        sb.AppendLine("guest  in-guest    host  difference  95% interval        limit  result");
        foreach (var (g, h, c) in Rows(guests, checks))
        {
            if (h.Unavailable is not null)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"{g.Guest,-5}  {h.Unavailable}");
                continue;
            }
            var interval = $"[{ReportText.Signed(h.Difference.Low)}, {ReportText.Signed(h.Difference.High)}]";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{g.Guest,-5}  {ReportText.Number(h.InGuestCpu),8}  {ReportText.Number(h.HostCpu),6}  {ReportText.Signed(h.Difference.Value),10}  {interval,-18}  {c?.LimitText ?? "",6}  {c?.OutcomeText ?? ""}");
        }
        return sb.ToString();
    }

    /// <summary>The same as a Markdown table for report.md.</summary>
    public static void Markdown(StringBuilder sb, IReadOnlyList<GuestMeasurement> guests, IReadOnlyList<Check> checks)
    {
        if (guests.All(g => g.Host is null)) return;
        if (Unavailable(guests) is { } reason)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"Host view: {ReportText.MarkdownCell(reason)}.").AppendLine();
            return;
        }
        sb.AppendLine("Host view (CPU % of allocation, in-guest against the host over the same segments):").AppendLine();
        sb.AppendLine("| guest | in-guest | host | in-guest − host | 95% interval | tolerance | result |");
        sb.AppendLine("|---|---:|---:|---:|---|---:|---|");
        foreach (var (g, h, c) in Rows(guests, checks))
        {
            sb.AppendLine(h.Unavailable is not null
                ? $"| {g.Guest} | {ReportText.Number(g.CpuPercent)} | n/a | | | | {ReportText.MarkdownCell(h.Unavailable)} |"
                : $"| {g.Guest} | {ReportText.Number(h.InGuestCpu)} | {ReportText.Number(h.HostCpu)} | {ReportText.Signed(h.Difference.Value)} | " +
                  $"{ReportText.Signed(h.Difference.Low)} – {ReportText.Signed(h.Difference.High)} | {c?.LimitText} | {(c is null ? "" : ReportText.Outcome(c) + (c.UnjudgedReason is { } r ? ": " + ReportText.MarkdownCell(r) : ""))} |");
        }
        sb.AppendLine();
    }

    /// <summary>summary.txt's line: the largest |in-guest − host| of the run, or why there was none.</summary>
    public static string SummaryLine(IReadOnlyList<ScenarioRecord> scenarios)
    {
        if (scenarios.Max(s => s.MaxAbsHostDifference) is { } largest)
        {
            return string.Create(CultureInfo.InvariantCulture, $"largest |in-guest - host| CPU: {largest:0.00} points");
        }
        var reason = scenarios.SelectMany(s => s.Guests).Select(g => g.Host?.Unavailable).FirstOrDefault(u => u is not null);
        return "host view: " + (reason ?? "none recorded");
    }

    /// <summary>The one reason when no guest has a host figure for the same reason (say, the static backend).</summary>
    private static string? Unavailable(IReadOnlyList<GuestMeasurement> guests)
    {
        var reasons = guests.Select(g => g.Host?.Unavailable).Distinct().ToArray();
        return reasons is [{ } only] ? only : null;
    }

    private static IEnumerable<(GuestMeasurement Guest, HostAgreement Host, Check? Check)> Rows(IReadOnlyList<GuestMeasurement> guests, IReadOnlyList<Check> checks) =>
        guests.Where(g => g.Host is not null)
            .Select(g => (g, g.Host!, checks.FirstOrDefault(c => c.Guest == g.Guest && c.Metric == Metric.HostAgreement)));
}
