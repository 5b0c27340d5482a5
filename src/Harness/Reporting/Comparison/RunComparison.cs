using System.Globalization;
using Harness.Analysis;

namespace Harness.Reporting.Comparison;

/// <summary>
/// When a run counts as worse than its baseline. A metric regresses when it is worse by enough to matter and by more
/// than noise. Enough to matter: its badness (see <see cref="Metric.Badness"/>) grew by more than
/// <see cref="ThresholdPercent"/> % of the baseline's badness and by more than <see cref="MinimumPoints"/> points (the
/// second keeps near-perfect metrics, RAM 0.1 → 0.8 points off, from tripping the gate; for CPU % it is at least the
/// runs' calibration tolerance, the band the load loop stops in). More than noise: when both runs kept their
/// segments, a one-sided Welch test of the per-repetition badness, Holm-adjusted over every metric of the comparison,
/// is at or below <see cref="Alpha"/>, so two runs of the same build fail together with a chance of at most α however
/// many metrics they share. Results without segments are judged on the first rule alone.
/// </summary>
/// <param name="Alpha">The comparison's false-alarm rate: the chance that any metric of two equivalent runs is called regressed.</param>
/// <param name="CompareAnyway">Compare even when the runs differ in a control that changes isolation (see <see cref="ProvenanceControl.ChangesIsolation"/>).</param>
public sealed record ComparisonOptions(
    double ThresholdPercent = ComparisonOptions.DefaultThresholdPercent, double MinimumPoints = ComparisonOptions.DefaultMinimumPoints,
    bool AllowMissing = false, bool CompareAnyway = false, double Alpha = ComparisonOptions.DefaultAlpha)
{
    public const double DefaultThresholdPercent = 5;
    public const double DefaultMinimumPoints = 1;
    public const double DefaultAlpha = 0.05;
}

public enum ComparisonStatus
{
    Unchanged,
    Better,

    /// <summary>Worse, but within the threshold or not beyond noise.</summary>
    Worse,
    Regressed,

    /// <summary>In the baseline but not measured in the run (scenario missing or errored).</summary>
    Missing,

    /// <summary>Measured in the run only; nothing to compare against.</summary>
    New,
}

/// <summary>One metric of one guest in one scenario, in the run and in the baseline.</summary>
public sealed record MetricComparison(
    string Scenario,
    string Guest,
    Metric Metric,
    MetricDirection Direction,
    double Target,
    Check? Run,
    Check? Baseline,
    MeanInterval? RunInterval,
    MeanInterval? BaselineInterval,
    ComparisonStatus Status,
    double? AdjustedP = null)
{
    public double? RunBadness => Run is null ? null : Metric.Badness(Run.Target, Run.Measured);

    public double? BaselineBadness => Baseline is null ? null : Metric.Badness(Baseline.Target, Baseline.Measured);

    /// <summary>How much worse the run is, in points of badness (negative: better).</summary>
    public double? WorseByPoints => RunBadness - BaselineBadness;

    /// <summary>Change in badness relative to the baseline's, in %.</summary>
    public double? WorseByPercent => WorseByPoints is { } d && BaselineBadness is { } b
        ? b > 1e-9 ? d / b * 100 : d > 1e-9 ? double.PositiveInfinity : 0
        : null;

    /// <summary>Whether the two series' 95% intervals of the mean overlap: if they do, the change may be noise.</summary>
    public bool? IntervalsOverlap => RunInterval is not null && BaselineInterval is not null ? RunInterval.Overlaps(BaselineInterval) : null;
}

/// <summary>A testbed fact or setting in both runs, e.g. PVE, kernel and QEMU versions for an upgrade gate.</summary>
public sealed record FactComparison(string Section, string Name, string? Run, string? Baseline)
{
    public bool Differs => !string.Equals(Run, Baseline, StringComparison.Ordinal);
}

/// <summary>A run against a baseline run, per scenario, guest and metric.</summary>
public sealed record RunComparison(string RunId, string BaselineId, ComparisonOptions Options, IReadOnlyList<MetricComparison> Metrics, IReadOnlyList<FactComparison> Facts)
{
    public const int ExitOk = 0, ExitRegressed = 1, ExitUsage = 2;

    /// <summary>The runs differ in a control that changes isolation: their numbers are not comparable.</summary>
    public const int ExitProvenanceDiffers = 3;

    // Versions that decide an upgrade gate come first in the side-by-side facts.
    private static readonly string[] KeyFacts = ["pve", "kernel", "qemu", "backend", "docker", "host.os", "cgroup"];

    public IReadOnlyList<MetricComparison> Regressions => Metrics
        .Where(m => m.Status == ComparisonStatus.Regressed || (m.Status == ComparisonStatus.Missing && !Options.AllowMissing))
        .ToArray();

    public bool Regressed => Regressions.Count > 0;

    /// <summary>Every control and version that differs from the baseline; those that change isolation first.</summary>
    public IReadOnlyList<ProvenanceDifference> Provenance { get; init; } = [];

    /// <summary>Differences that make the baseline a different experiment.</summary>
    public IReadOnlyList<ProvenanceDifference> Incomparable => Provenance.Where(d => d.Refuses).ToArray();

    /// <summary>The comparison is refused: the runs differ in a control that changes isolation and that was not overridden.</summary>
    public bool Refused => !Options.CompareAnyway && Incomparable.Count > 0;

    public int ExitCode => Refused ? ExitProvenanceDiffers : Regressed ? ExitRegressed : ExitOk;

    /// <summary>Why the comparison was refused, naming each difference, or null when it was not.</summary>
    public string? RefusalMessage => !Refused ? null
        : $"refusing to compare: the baseline differs in {Incomparable.Count} control(s) that change isolation: " +
          string.Join("; ", Incomparable) + ". Run a new baseline with the same controls, or pass --compare-anyway.";

    public static RunComparison Compare(RunRecord run, RunRecord baseline, ComparisonOptions? options = null)
    {
        options ??= new ComparisonOptions();
        var metrics = new List<MetricComparison>();
        var runScenarios = run.Scenarios.GroupBy(s => s.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var baseScenarios = baseline.Scenarios.GroupBy(s => s.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var names = baseline.Scenarios.Select(s => s.Name).Concat(run.Scenarios.Select(s => s.Name)).Distinct(StringComparer.Ordinal);
        var p = new List<double>();
        foreach (var name in names)
        {
            runScenarios.TryGetValue(name, out var r);
            baseScenarios.TryGetValue(name, out var b);
            var keys = (b?.Checks ?? []).Concat(r?.Checks ?? []).Select(c => (c.Guest, c.Metric)).Distinct();
            foreach (var (guest, metric) in keys)
            {
                var rc = r?.Checks.FirstOrDefault(c => c.Guest == guest && c.Metric == metric);
                var bc = b?.Checks.FirstOrDefault(c => c.Guest == guest && c.Metric == metric);
                metrics.Add(new MetricComparison(name, guest, metric, metric.Direction, (rc ?? bc)!.Target, rc, bc,
                    Interval(r, guest, metric), Interval(b, guest, metric), ComparisonStatus.Unchanged));
                p.Add(RepetitionValues.Badness(r, guest, metric) is { } rv && RepetitionValues.Badness(b, guest, metric) is { } bv
                    ? Significance.WelchGreater(rv, bv) : double.NaN);
            }
        }
        var adjusted = Significance.Holm(p);
        var cpuFloor = Math.Max(options.MinimumPoints, CalibrationBand(run, baseline));
        metrics = metrics.Select((m, i) => m with
        {
            AdjustedP = double.IsNaN(adjusted[i]) ? null : adjusted[i],
            Status = Judge(m.Run, m.Baseline, options, m.Metric == Metric.Cpu ? cpuFloor : options.MinimumPoints,
                double.IsNaN(adjusted[i]) ? null : adjusted[i]),
        }).ToList();
        return new RunComparison(run.RunId, baseline.RunId, options, metrics, CompareFacts(run, baseline))
        {
            Provenance = [.. RunProvenance.Of(run).DifferencesFrom(RunProvenance.Of(baseline)), .. SizeDifferences(runScenarios, baseScenarios), .. SettingDifferences(run, baseline)],
        };
    }

    // Settings that decide what a figure is a measurement of: the backend it ran on and how long its segments were.
    // A solo segment's length was windowSeconds before it had a setting of its own, so a run without the key is
    // read as that; other missing keys are not held against a run (it predates them).
    private static readonly (string Key, string Label, string? Before)[] MeasurementSettings =
    [
        ("backend", "backend", null),
        ("windowSeconds", "segment length (s)", null),
        ("coRunWindowSeconds", "co-run segment length in a light row (s)", null),
        ("soloWindowSeconds", "solo segment length in a light row (s)", "windowSeconds"),
    ];

    private static IEnumerable<ProvenanceDifference> SettingDifferences(RunRecord run, RunRecord baseline)
    {
        static string? Read(RunRecord r, string key, string? before) =>
            r.Settings.TryGetValue(key, out var v) ? v : before is not null && r.Settings.TryGetValue(before, out var old) ? old : null;
        foreach (var (key, label, before) in MeasurementSettings)
        {
            var (b, a) = (Read(baseline, key, before), Read(run, key, before));
            if (!string.Equals(b, a, StringComparison.Ordinal)) yield return new ProvenanceDifference(null, ProvenanceControl.Setting(key, label), b, a);
        }
    }

    // A scenario of the same name whose guests were sized differently is another experiment (a row of a scenario
    // file edited between the runs); results older than schema 5 carry no sizes and are not held against it.
    private static IEnumerable<ProvenanceDifference> SizeDifferences(
        IReadOnlyDictionary<string, ScenarioRecord> run, IReadOnlyDictionary<string, ScenarioRecord> baseline) =>
        from name in run.Keys.Intersect(baseline.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal)
        let after = ReportText.Allocations(run[name].Guests)
        let before = ReportText.Allocations(baseline[name].Guests)
        where after is not null && before is not null && after != before
        select new ProvenanceDifference(name + ":", ProvenanceControl.GuestSizes, before, after);

    // A run's CPU % sits wherever its calibration loop stopped, anywhere within ±calibrationTolerance of the target,
    // and every repetition of the run shares that offset: the Welch test sees only the spread between repetitions, so
    // two runs of one build that stopped at different points of the band read as different (A/A compares exited 1 in
    // 2 of 4 at 1606fe9, 10.6 → 12.2 and 10.3 → 11.5 on a 10% guest). A CPU % change within the band is the loop's
    // freedom, not the build's; results without the setting keep the plain floor.
    private static double CalibrationBand(RunRecord run, RunRecord baseline) =>
        new[] { run, baseline }.Max(r => r.Settings.TryGetValue("calibrationTolerance", out var v)
            && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var band) ? band : 0);

    /// <param name="minimumPoints">The smallest worsening that matters for this metric, in points.</param>
    /// <param name="adjustedP">Holm-adjusted p-value of "the run is worse"; null when either run kept no segments.</param>
    private static ComparisonStatus Judge(Check? run, Check? baseline, ComparisonOptions options, double minimumPoints, double? adjustedP)
    {
        if (run is null) return ComparisonStatus.Missing;
        if (baseline is null) return ComparisonStatus.New;
        // A value the run could not measure is never better than one it could.
        if (double.IsNaN(run.Measured)) return double.IsNaN(baseline.Measured) ? ComparisonStatus.Unchanged : ComparisonStatus.Regressed;
        if (double.IsNaN(baseline.Measured)) return ComparisonStatus.Better;
        var runBad = run.Metric.Badness(run.Target, run.Measured);
        var baseBad = baseline.Metric.Badness(baseline.Target, baseline.Measured);
        var delta = runBad - baseBad;
        if (Math.Abs(delta) < 1e-9) return ComparisonStatus.Unchanged;
        if (delta < 0) return ComparisonStatus.Better;
        var percent = baseBad > 1e-9 ? delta / baseBad * 100 : double.PositiveInfinity;
        var matters = percent > options.ThresholdPercent && delta > minimumPoints;
        var beyondNoise = adjustedP is not { } q || q <= options.Alpha;
        return matters && beyondNoise ? ComparisonStatus.Regressed : ComparisonStatus.Worse;
    }

    private static MeanInterval? Interval(ScenarioRecord? scenario, string guest, Metric metric) =>
        scenario is null || MetricSeries.Of(scenario, guest, metric) is not { } series ? null : MeanInterval.Of(series);

    internal static IReadOnlyList<FactComparison> CompareFacts(RunRecord run, RunRecord baseline)
    {
        static IEnumerable<FactComparison> Section(string section, IReadOnlyDictionary<string, string> r, IReadOnlyDictionary<string, string> b) =>
            r.Keys.Union(b.Keys, StringComparer.Ordinal)
                .OrderBy(k => Array.FindIndex(KeyFacts, f => k.Contains(f, StringComparison.OrdinalIgnoreCase)) is var i and >= 0 ? i : KeyFacts.Length)
                .ThenBy(k => k, StringComparer.Ordinal)
                .Select(k => new FactComparison(section, k,
                    r.TryGetValue(k, out var rv) ? ReportText.Safe(k, rv) : null,
                    b.TryGetValue(k, out var bv) ? ReportText.Safe(k, bv) : null));

        return [.. Section("testbed", run.Testbed, baseline.Testbed), .. Section("settings", run.Settings, baseline.Settings)];
    }
}
