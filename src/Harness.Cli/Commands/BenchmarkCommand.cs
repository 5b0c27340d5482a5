using System.CommandLine;
using Harness.Reporting;
using Spectre.Console;

namespace Harness.Cli.Commands;

/// <summary><c>benchmark --null RUN... --control RUN...</c>: the gate's own detection and false-alarm rates (what ci/benchmark.sh prints).</summary>
internal static class BenchmarkCommand
{
    public static Command Create(IAnsiConsole console)
    {
        Option<string[]> Runs(string name, string description) =>
            new(name) { Description = description, AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var nulls = Runs("--null", "results of the null suite (sized testbed, isolation expected)");
        var controls = Runs("--control", "results of the negative control (overcommitted testbed)");
        var command = new Command("benchmark",
            "detection rate of the negative control, false-alarm rate of the null suite, largest |achieved - target|, wall times") { nulls, controls };
        command.SetAction(parsed =>
        {
            var load = (Option<string[]> o) => parsed.GetValue(o)!.Select(a => RunRecord.Load(RunReports.ResultsPath(a))).ToList();
            return Benchmark.Summarise(load(nulls), load(controls), console);
        });
        return command;
    }
}

/// <summary><c>sampler-cost</c>: CPU the in-guest sampler costs one idle guest on the embedded testbed.</summary>
internal static class SamplerCostCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var seconds = Cli.Number("--seconds", "how long to measure", 30, 1, 86400);
        var command = new Command("sampler-cost", "CPU the in-guest sampler costs one idle guest on the embedded testbed, % of one CPU") { seconds };
        command.SetAction((parsed, ct) => Benchmark.SamplerCostAsync(parsed.GetValue(seconds), console, ct));
        return command;
    }
}
