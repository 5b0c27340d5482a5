using Harness.Analysis;
using System.Globalization;
using Harness.Configuration;
using Harness.Remote;
using Harness.Reporting;
using Harness.Sampling;
using Harness.Testbeds.Docker;
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
        Row("false alarms (null scenarios failed)", Rate(nullScenarios.Count(s => s.Outcome == "fail"), nullScenarios.Length));
        Row("false alarms (null guest verdicts failed)", Rate(nullGuests.Count(g => g.Any(c => c.Failed)), nullGuests.Length));
        Row("null scenarios invalid", Rate(nullScenarios.Count(s => s.Outcome == "invalid"), nullScenarios.Length));
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
        Row("largest |achieved - target| CPU, null", F(nulls.Max(r => r.MaxAbsCpuError) ?? double.NaN));
        Row("largest |achieved - target| RAM, null", F(nulls.Max(r => r.MaxAbsRamError) ?? double.NaN));
        Row("suite wall time, null (s)", string.Join(", ", nulls.Select(r => F(r.WallSeconds ?? double.NaN))));
        Row("wall time, negative control (s)", string.Join(", ", controls.Select(r => F(r.WallSeconds ?? double.NaN))));
        console.Write(table);
        return 0;
    }

    private static string Rate(int count, int total) =>
        total == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{count}/{total} = {count * 100.0 / total:0.0}%");

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.00", CultureInfo.InvariantCulture);
}
