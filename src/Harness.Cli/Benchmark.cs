using Harness.Analysis;
using System.Globalization;
using Harness.Configuration;
using Harness.Remote;
using Harness.Reporting;
using Harness.Reporting.Comparison;
using Harness.Sampling;
using Harness.Testbeds.Docker;
using MathNet.Numerics.Distributions;
using Spectre.Console;

namespace Harness.Cli;

/// <summary>Figures of merit of the gate itself, from recorded runs: does it catch interference, does it cry wolf.</summary>
public static class Benchmark
{
    public static int Summarise(IReadOnlyList<RunRecord> nulls, IReadOnlyList<RunRecord> controls, IAnsiConsole console)
    {
        if (nulls.Count == 0 && controls.Count == 0) throw new ArgumentException("benchmark needs --null and/or --control result files");

        var nullScenarios = nulls.SelectMany(r => r.Scenarios).ToArray();
        var nullGuests = nullScenarios.SelectMany(s => s.Checks.GroupBy(c => c.Guest)).ToArray();
        var controlScenarios = controls.SelectMany(r => r.Scenarios).ToArray();
        Metric[] victimMetrics = [Metric.Slowdown, Metric.WaitIncrease, Metric.ThroughputLoss];
        var detected = controlScenarios.Count(s => s.Outcome == "fail" && s.Checks.Any(c => c.Failed && victimMetrics.Contains(c.Metric)));

        var table = new Table().AddColumns("figure", "value");
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("null runs / scenarios", $"{nulls.Count} / {nullScenarios.Length}");
        // The suite is the unit the gate decides on: its false-alarm target is per suite, not per scenario.
        Row("false alarms per suite (null suites with a failed scenario)", Rate(nulls.Count(r => r.Scenarios.Any(s => s.Outcome == "fail")), nulls.Count));
        Row("red null suites (a scenario failed, invalid or inconclusive)", Rate(nulls.Count(r => r.Scenarios.Any(s => s.Outcome != "pass")), nulls.Count));
        Row("false alarms (null scenarios failed)", Rate(nullScenarios.Count(s => s.Outcome == "fail"), nullScenarios.Length));
        Row("false alarms (null guest verdicts failed)", Rate(nullGuests.Count(g => g.Any(c => c.Failed)), nullGuests.Length));
        Row("null scenarios invalid", Rate(nullScenarios.Count(s => s.Outcome == "invalid"), nullScenarios.Length));
        Row("null scenarios inconclusive", Rate(nullScenarios.Count(s => s.Outcome == "inconclusive"), nullScenarios.Length));
        Row("repetitions per null scenario (mean, most)", Repetitions(nullScenarios));
        foreach (var (run, baseline, comparison) in AaComparisons(nulls))
        {
            Row($"A/A compare {run} against {baseline}", comparison.ExitCode == RunComparison.ExitOk
                ? "exit 0"
                : $"exit {comparison.ExitCode}: {comparison.RefusalMessage ?? string.Join("; ", comparison.Regressions.Select(m => $"{m.Scenario} {m.Guest} {m.Metric}"))}");
        }
        foreach (var metric in nullScenarios.SelectMany(s => s.Checks).Select(c => c.Metric).Distinct())
        {
            var checks = nullScenarios.SelectMany(s => s.Checks).Where(c => c.Metric == metric).ToArray();
            Row($"  null checks failed: {metric}", Rate(checks.Count(c => c.Failed), checks.Length));
            Row($"  null {metric}: largest measured (95% high)", F(checks.Max(c => double.IsNaN(c.High) ? c.Measured : c.High)));
            Row($"  null {metric}: largest 95% low (fails above its limit)", F(checks.Max(c => double.IsNaN(c.Low) ? c.Measured : c.Low)));
        }
        // A budget check fails when its whole interval lies above the limit: a limit separates the two testbeds
        // when it lies between the null's largest lower bound and the control's smallest.
        var controlChecks = controlScenarios.SelectMany(s => s.Checks).ToArray();
        foreach (var metric in controlChecks.Select(c => c.Metric).Distinct())
        {
            var checks = controlChecks.Where(c => c.Metric == metric).ToArray();
            Row($"  control checks failed: {metric}", Rate(checks.Count(c => c.Failed), checks.Length));
            Row($"  control {metric}: smallest 95% low", F(checks.Min(c => double.IsNaN(c.Low) ? c.Measured : c.Low)));
        }
        Row("negative-control runs", controls.Count.ToString(CultureInfo.InvariantCulture));
        Row("detection rate (fail by slowdown, wait or throughput)", Rate(detected, controlScenarios.Length));
        foreach (var scenario in controlScenarios.GroupBy(s => s.Name, StringComparer.Ordinal))
        {
            // A control that is not caught may still be red (inconclusive); only a pass would mean the gate is blind.
            Row($"  control {scenario.Key}: failed / passed", $"{Rate(scenario.Count(s => s.Outcome == "fail"), scenario.Count())} / {scenario.Count(s => s.Outcome == "pass")}");
        }
        if (controlScenarios.Length > 0) Row("repetitions per control scenario (mean, most)", Repetitions(controlScenarios));
        Row("largest |achieved - target| CPU, null", F(nulls.Max(r => r.MaxAbsCpuError) ?? double.NaN));
        Row("largest |achieved - target| RAM, null", F(nulls.Max(r => r.MaxAbsRamError) ?? double.NaN));
        Row("suite wall time, null (s)", string.Join(", ", nulls.Select(r => F(r.WallSeconds ?? double.NaN))));
        Row("wall time, negative control (s)", string.Join(", ", controls.Select(r => F(r.WallSeconds ?? double.NaN))));
        console.Write(table);
        return 0;
    }

    /// <summary>
    /// Each null run compared against the one before it, as the upgrade gate compares a run with its baseline: two
    /// runs of the same build should not differ, so any exit but 0 is a false alarm of <c>compare</c>.
    /// </summary>
    private static IEnumerable<(string Run, string Baseline, RunComparison Comparison)> AaComparisons(IReadOnlyList<RunRecord> nulls) =>
        nulls.Zip(nulls.Skip(1), (baseline, run) => (run.RunId, baseline.RunId, RunComparison.Compare(run, baseline)));

    private static string Repetitions(IReadOnlyList<ScenarioRecord> scenarios) =>
        scenarios.Where(s => s.Repetitions is > 0).Select(s => s.Repetitions!.Value).ToArray() is { Length: > 0 } used
            ? string.Create(CultureInfo.InvariantCulture, $"{used.Average():0.0}, {used.Max()}")
            : "n/a";

    /// <summary>
    /// A count out of a total with its exact (Clopper–Pearson) 95% interval: 0 of 10 null suites failing is
    /// [0, 30.8]%, so ten suites alone cannot show a false-alarm rate under 5% and the summary should not seem to.
    /// </summary>
    internal static string Rate(int count, int total)
    {
        if (total == 0) return "n/a";
        var low = count == 0 ? 0 : Beta.InvCDF(count, total - count + 1, 0.025);
        var high = count == total ? 1 : Beta.InvCDF(count + 1, total - count, 0.975);
        return string.Create(CultureInfo.InvariantCulture, $"{count}/{total} = {count * 100.0 / total:0.0}% [{low * 100:0.0}, {high * 100:0.0}]");
    }

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.00", CultureInfo.InvariantCulture);
}
