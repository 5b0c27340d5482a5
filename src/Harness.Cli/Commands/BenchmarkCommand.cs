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

/// <summary><c>harness-cost</c>: what the harness costs an idle guest, and the lowest load it can set, per guest size.</summary>
internal static class HarnessCostCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var seconds = Cli.Number("--seconds", "how long to measure each figure", 30, 1, 86400);
        var cpus = new Option<double[]>("--cpus")
        {
            Description = "guest sizes in CPUs, e.g. --cpus 0.4 1 (default: the configured HARNESS_GUEST_CPUS)",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [],
        };
        var command = new Command("harness-cost",
            "what the harness costs an idle guest (sampler, probe, segment edges) and the lowest load it can set, per guest size") { cpus, seconds };
        command.SetAction((parsed, ct) => HarnessCost.RunAsync(parsed.GetValue(cpus)!, parsed.GetValue(seconds), console, ct));
        return command;
    }
}

/// <summary><c>doctor [--provision]</c>: the preflight check of the Proxmox cluster named by the HARNESS_PVE_* settings.</summary>
internal static class DoctorCli
{
    public static Command Create(IAnsiConsole console)
    {
        var provision = new Option<bool>("--provision") { Description = "also provision one guest, log in over SSH and remove it" };
        var command = new Command("doctor",
            "checks the Proxmox VE cluster of the current HARNESS_PVE_* settings before a run (version, privileges, template, storage, bridge, requests against the node's own schema); exit 0: nothing blocks a run, 1: a finding does, 2: bad settings")
            { provision };
        command.SetAction((parsed, ct) => DoctorCommand.RunAsync(parsed.GetValue(provision), console, ct));
        return command;
    }
}
