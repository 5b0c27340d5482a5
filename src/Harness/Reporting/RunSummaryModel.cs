using Harness.Analysis;

namespace Harness.Reporting;

/// <summary>A failed check with the scenario it belongs to; <see cref="Excess"/> is how far past its tolerance it went.</summary>
public sealed record Breach(string Scenario, Check Check)
{
    public double Excess => double.IsNaN(Check.Measured) ? double.PositiveInfinity : Math.Abs(Check.Error) - Check.Tolerance;
}

/// <summary>What every human-readable report of a run shows, computed once so Markdown and HTML agree.</summary>
internal sealed class RunSummaryModel
{
    private RunSummaryModel(RunRecord record)
    {
        Record = record;
        Guests = record.Scenarios
            .SelectMany(s => s.Guests.Select(g => g.Guest).Concat(s.Checks.Select(c => c.Guest)))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        Breaches = record.Scenarios
            .SelectMany(s => s.Checks.Where(c => c.Failed).Select(c => new Breach(s.Name, c)))
            .OrderByDescending(b => b.Excess)
            .ThenBy(b => b.Scenario, StringComparer.Ordinal)
            .ThenBy(b => b.Check.Guest, StringComparer.Ordinal)
            .ToArray();
        Passed = record.Scenarios.Count(s => s.Outcome == "pass");
        Invalid = record.Scenarios.Count(s => s.Outcome is "invalid" or "inconclusive");
        Facts = record.Testbed.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (f.Key, ReportText.Safe(f.Key, f.Value))).ToArray();
        Settings = record.Settings.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (f.Key, ReportText.Safe(f.Key, f.Value))).ToArray();
    }

    public RunRecord Record { get; }

    /// <summary>Column order of Table 1: guests as they first appear (S1..S4).</summary>
    public IReadOnlyList<string> Guests { get; }

    /// <summary>Failed checks, worst first.</summary>
    public IReadOnlyList<Breach> Breaches { get; }

    public int Passed { get; }

    /// <summary>Scenarios that could not be judged or decided (invalid, inconclusive): never counted as passed.</summary>
    public int Invalid { get; }

    public int NotPassed => Record.Scenarios.Count - Passed;

    /// <summary>A run passes only when it ran something and every scenario passed.</summary>
    public bool RunPassed => Record.Scenarios.Count > 0 && NotPassed == 0;

    public IReadOnlyList<(string Key, string Value)> Facts { get; }

    public IReadOnlyList<(string Key, string Value)> Settings { get; }

    public static RunSummaryModel Of(RunRecord record) => new(record);

    public static IReadOnlyList<Check> ChecksOf(ScenarioRecord scenario, string guest) =>
        scenario.Checks.Where(c => c.Guest == guest).ToArray();

    /// <summary>
    /// "✗" when any of the guest's checks failed, "?" when any could not be judged or the scenario as a whole was
    /// invalid (an invalid row never shows a tick), "✓" when all held, "" when it has none (error rows).
    /// </summary>
    public static string Mark(IReadOnlyList<Check> checks, string scenarioOutcome) => CssClass(checks, scenarioOutcome) switch
    {
        "" => "",
        "fail" => ReportText.Fail,
        "invalid" => ReportText.NotJudged,
        _ => ReportText.Pass,
    };

    /// <summary>The class a guest's cell is drawn with: pass, fail, invalid, or "" for none.</summary>
    public static string CssClass(IReadOnlyList<Check> checks, string scenarioOutcome) =>
        checks.Count == 0 ? ""
        : checks.Any(c => c.Failed) ? "fail"
        : scenarioOutcome is "invalid" or "inconclusive" || checks.Any(c => c.Outcome is Outcome.Invalid or Outcome.Inconclusive) ? "invalid"
        : "pass";

    /// <summary>"CPU 90 → 99.9" for one check, compact enough for a Table 1 cell.</summary>
    public static string TargetToMeasured(Check c) =>
        $"{ReportText.ShortMetric(c.Metric)} {ReportText.Number(c.Target, "0.##")} → {ReportText.Number(c.Measured)}";

    public string Headline() =>
        $"{(RunPassed ? "PASS" : "FAIL")}: {Record.Scenarios.Count} scenario(s), {Passed} pass, {Invalid} invalid, {NotPassed - Invalid} failed or not run; " +
        ReportText.LoadErrors(Record);
}
