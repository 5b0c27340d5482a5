using System.CommandLine;
using Harness.Configuration;
using Harness.Reporting.Comparison;
using Harness.Running;
using Harness.Scenarios;
using Harness.Testbeds;
using Spectre.Console;

namespace Harness.Cli.Commands;

/// <summary><c>provision</c>: provisions the testbed of the current settings and removes it again, a check that a backend works.</summary>
internal static class ProvisionCommand
{
    public static Command Create(IAnsiConsole console) => Create(console, () =>
    {
        var options = OptionsLoader.Load();
        // The testbed a run of these settings would get: as many guests as HARNESS_SCENARIO_FILE's largest row, sized as its rows say.
        var scenarios = options.ScenarioFile is { } file ? ScenarioFile.Load(file) : PaperScenarios.All;
        options = GuestPlan.For(options, scenarios, Environment.ProcessorCount, m => console.Line("warning: " + m),
            GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024));
        return (options, Backends.Named(options.Backend));
    });

    /// <summary>Tests: the settings and the backend come from <paramref name="configure"/> instead of the environment.</summary>
    internal static Command Create(IAnsiConsole console, Func<(HarnessOptions Options, ITestbedBackend Backend)> configure)
    {
        var guests = Cli.Count("--guests", $"guests to provision (default: the run's, 4 for the paper; at most {ScenarioValidator.MaxGuests})", 1, ScenarioValidator.MaxGuests);
        var hold = Cli.Number("--hold", "seconds to keep them before removing them (or until Ctrl-C / SIGTERM)", 0, 0, 86400);
        var command = new Command("provision",
            "provisions the testbed of the current HARNESS_* settings, prints its guests, keeps them --hold seconds, then removes them") { guests, hold };
        command.SetAction(async (parsed, ct) =>
        {
            HarnessOptions options;
            ITestbedBackend backend;
            try
            {
                (options, backend) = configure();
            }
            catch (Exception e) when (e is HarnessConfigurationException or ScenarioValidationException)
            {
                console.WriteLine(e.Message);
                return RunComparison.ExitUsage;
            }
            if (parsed.GetValue(guests) is { } count) options = options with { GuestCount = count };
            try
            {
                await using var session = await IsolationSession.StartAsync(options, backend, console.Sink(), ct);
                var seconds = parsed.GetValue(hold);
                console.WriteLine($"ready: run {session.Record.RunId}, {options.GuestCount} guest(s); holding {seconds:0} s");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
                }
                catch (OperationCanceledException)
                {
                    console.WriteLine("cancelled");
                }
                return 0;
            }
            catch (HarnessConfigurationException e)
            {
                console.WriteLine(e.Message);
                return RunComparison.ExitUsage;
            }
            catch (Exception e) when (backend.IsUserFixable(e))
            {
                // A backend removes what it created before it throws, so the guests are gone by the time this is printed.
                console.Line($"provision failed: {OneLine(e)}. Every guest it created was removed.");
                return 1;
            }
            catch (AggregateException e) when (e.InnerExceptions is [var first, var teardown, ..] && backend.IsUserFixable(first))
            {
                console.Line($"provision failed: {OneLine(first)}. Removing its guests failed too: {OneLine(teardown)}; remove them by hand (README).");
                return 1;
            }
        });
        return command;
    }

    private static string OneLine(Exception e) => e.Message.ReplaceLineEndings(" ").TrimEnd('.', ' ');
}

/// <summary><c>reap-proxmox</c>: stops and destroys Proxmox guests left by killed runs.</summary>
internal static class ReapProxmoxCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var allHosts = new Option<bool>("--all-hosts") { Description = "also take the guests of other machines' runs" };
        var command = new Command("reap-proxmox", "stops and destroys Proxmox guests left by killed runs (HARNESS_PVE_* settings)") { allHosts };
        command.SetAction(async (parsed, ct) =>
        {
            var pve = PveOptions.Load(OptionsLoader.ReadEnvironment());
            var reaped = await Testbeds.Proxmox.ProxmoxReaper.ReapAsync(pve, parsed.GetValue(allHosts), console.Sink(), ct);
            console.WriteLine($"{reaped.Count} guest(s) removed");
            return 0;
        });
        return command;
    }
}
