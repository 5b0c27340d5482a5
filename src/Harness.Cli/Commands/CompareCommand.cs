using System.CommandLine;
using Harness.Reporting;
using Harness.Reporting.Comparison;
using Spectre.Console;

namespace Harness.Cli.Commands;

/// <summary><c>compare RUN BASELINE</c>: exit 0 without regression, 1 with one (or a missing baseline scenario), 2 for bad input, 3 for a baseline of other controls.</summary>
internal static class CompareCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var defaults = new ComparisonOptions();
        var run = new Argument<string>("run") { Description = "the run's results.json or its folder" };
        var baseline = new Argument<string>("baseline") { Description = "the baseline's results.json or its folder" };
        var threshold = Cli.Number("--threshold", "relative worsening that fails, in % of the baseline's badness", defaults.ThresholdPercent, 0, double.MaxValue);
        var minPoints = Cli.Number("--min-points", "smallest worsening that fails, in points", defaults.MinimumPoints, 0, double.MaxValue);
        var alpha = Cli.Number("--alpha", "false-alarm rate of the whole comparison: the chance that two equivalent runs differ in any metric", defaults.Alpha, 1e-6, 1);
        var allowMissing = new Option<bool>("--allow-missing") { Description = "a scenario missing from the run is not a regression" };
        var compareAnyway = new Option<bool>("--compare-anyway")
        {
            Description = "compare although the baseline differs in a control that changes isolation (the differences are still listed)",
        };
        var stepSummary = Cli.StepSummary();
        var command = new Command("compare",
            "compares a run against a baseline; exit 0: no regression, 1: a metric regressed, 2: bad arguments or files, 3: the baseline differs in a control that changes isolation (weights, quota, cpuset, memory, KSM, governor, CPU model)")
        {
            run, baseline, threshold, minPoints, alpha, allowMissing, compareAnyway, stepSummary,
        };
        command.SetAction(async (parsed, ct) =>
        {
            var options = defaults with
            {
                ThresholdPercent = parsed.GetValue(threshold),
                MinimumPoints = parsed.GetValue(minPoints),
                Alpha = parsed.GetValue(alpha),
                AllowMissing = parsed.GetValue(allowMissing),
                CompareAnyway = parsed.GetValue(compareAnyway),
            };
            var comparison = RunComparison.Compare(
                RunRecord.Load(RunReports.ResultsPath(parsed.GetRequiredValue(run))),
                RunRecord.Load(RunReports.ResultsPath(parsed.GetRequiredValue(baseline))),
                options);
            ComparisonTable.Write(console, comparison);
            if (parsed.GetValue(stepSummary))
            {
                await StepSummary.AppendAsync(ComparisonMarkdown.Render(comparison), Environment.GetEnvironmentVariable(StepSummary.Variable), ct);
            }
            return comparison.ExitCode;
        });
        return command;
    }
}
