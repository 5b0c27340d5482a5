using Harness.Analysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.Reporting;

/// <summary>Formatting shared by every report, so Markdown, HTML and the terminal print the same numbers.</summary>
internal static partial class ReportText
{
    public const string Pass = "✓";
    public const string Fail = "✗";
    public const string NotJudged = "?";

    /// <summary>A check's outcome as a mark and a word: "✓ pass", "✗ FAIL", "? not judged".</summary>
    public static string Outcome(Check c) => c.Outcome switch
    {
        Analysis.Outcome.Pass => Pass + " pass",
        Analysis.Outcome.Fail => Fail + " FAIL",
        Analysis.Outcome.Inconclusive => NotJudged + " inconclusive",
        _ => NotJudged + " not judged",
    };
    public const string Redacted = "(redacted)";

    public static string Number(double value, string format = "0.0") =>
        double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);

    public static string Signed(double value) =>
        double.IsNaN(value) ? "n/a" : Math.Round(value, 1).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);

    public static string Number(double? value, string format = "0.0") => value is { } v ? Number(v, format) : "n/a";

    /// <summary>
    /// The run's worst load error, as the console summary and the reports both say it. A run whose rows have no CPU
    /// target of their own (fair share asks for all it can get) has no CPU error: "n/a", not a blank.
    /// </summary>
    public static string LoadErrors(RunRecord run) =>
        $"largest |achieved − target| CPU {Number(run.MaxAbsCpuError, "0.00")}, RAM {Number(run.MaxAbsRamError, "0.00")} points";

    /// <summary>Metric without its unit, for narrow table cells: "CPU %" → "CPU".</summary>
    public static string ShortMetric(Metric metric) => metric.Label.Replace("%", "", StringComparison.Ordinal).Trim();

    /// <summary>One line, no table breakers: error messages can hold pipes and newlines.</summary>
    public static string MarkdownCell(string? text) =>
        string.IsNullOrEmpty(text) ? "" : text.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal).Trim();

    /// <summary>File-name-safe slug: "Scenario 05" → "scenario-05".</summary>
    public static string Slug(string text)
    {
        var slug = NotSlug().Replace(text.ToLowerInvariant(), "-").Trim('-');
        return slug.Length == 0 ? "scenario" : slug.Length > 40 ? slug[..40].TrimEnd('-') : slug;
    }

    /// <summary>
    /// Reports are published (CI summaries, artifacts), so anything that looks like a credential is blanked even if
    /// a future setting records one by mistake.
    /// </summary>
    public static string Safe(string key, string value) =>
        SecretKey().IsMatch(key) || SecretValue().IsMatch(value) ? Redacted : value;

    public static string Duration(double? seconds) => seconds is { } s && !double.IsNaN(s)
        ? s < 120 ? $"{Number(s, "0")} s" : $"{Number(s / 60, "0.0")} min"
        : "n/a";

    /// <summary>
    /// Each guest's allocation, "S1 0.6 CPU, 768 MiB · S2 0.25 CPU, 1024 MiB", since guests may differ in size and a
    /// CPU % is of the guest's own; null for results that predate it (schema 5).
    /// </summary>
    public static string? Allocations(IReadOnlyList<GuestMeasurement> guests) =>
        guests.Count == 0 || guests.Any(g => g.Allocation is null)
            ? null
            : string.Join(" · ", guests.Select(g => string.Create(CultureInfo.InvariantCulture,
                $"{g.Guest} {g.Allocation!.Cpus:0.###} CPU, {g.Allocation.MemoryBytes / (1024 * 1024)} MiB")));

    public static string Timestamp(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotSlug();

    [GeneratedRegex("token|secret|password|passwd|credential|private|api[_.-]?key", RegexOptions.IgnoreCase)]
    private static partial Regex SecretKey();

    // PVE API tokens: USER@REALM!TOKENID=UUID, with or without the PVEAPIToken= header prefix.
    [GeneratedRegex(@"PVEAPIToken|![\w.-]+=[0-9a-f]{8}-[0-9a-f]{4}-", RegexOptions.IgnoreCase)]
    private static partial Regex SecretValue();
}
