using System.Globalization;
using Harness.Reporting;
using Harness.Reporting.Comparison;
using Spectre.Console;

namespace Harness.Cli;

/// <summary>The command line: <c>compare</c> a run against a baseline, and (re)write a run's <c>report</c>s.</summary>
public static class Commands
{
    public const string Usage = """
        usage:
          compare <run results.json|folder> <baseline results.json|folder> [--threshold PERCENT] [--min-points POINTS] [--allow-missing] [--compare-anyway] [--step-summary]
              exit 0: no regression; 1: a metric regressed (or a baseline scenario is missing); 2: bad arguments or files;
              3: the baseline differs in a control that changes isolation (weights, quota, cpuset, memory, KSM, governor, CPU model)
              --compare-anyway  compare although such controls differ (the differences are still listed)
              --threshold   relative worsening that fails, in % of the baseline's badness (default 5)
              --min-points  smallest worsening that fails, in points (default 1)
          report <results.json|folder> [--step-summary]
              writes report.md, report.html and charts/ next to results.json
          --step-summary appends Markdown to the file named by GITHUB_STEP_SUMMARY (GitHub Actions)
        """ + "\n" + HistoryCommand.Usage + "\n" + """
          benchmark --null <results.json|folder>... --control <results.json|folder>...
              detection rate of the negative control, false-alarm rate of the null suite, largest |achieved - target|,
              wall times (what ci/benchmark.sh prints)
          harness-cost [--cpus 0.4,1] [--seconds N]
              what the harness costs an idle guest (sampler, probe, segment edges) and the lowest load it can set, per guest size
          provision [--guests N] [--hold SECONDS]
              provisions the testbed of the current HARNESS_* settings, prints its guests, keeps them SECONDS
              (default 0) or until Ctrl-C / SIGTERM, then removes them: checks that a backend is usable
          reap-proxmox [--all-hosts]
              stops and destroys Proxmox guests left by killed runs (HARNESS_PVE_* settings); --all-hosts also
              takes those of other machines' runs
        """;

    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        try
        {
            return args switch
            {
                ["compare", var run, var baseline, .. var rest] => await CompareAsync(run, baseline, Options.Parse(rest), console, cancellationToken),
                ["report", var run, .. var rest] => await ReportAsync(run, Options.Parse(rest), console, cancellationToken),
                ["benchmark", .. var rest] => Benchmark.Summarise(rest, console),
                ["harness-cost", .. var rest] => await HarnessCost.RunAsync(rest, console, cancellationToken),
                ["provision", .. var rest] => await ProvisionAsync(rest, console, cancellationToken),
                ["reap-proxmox", .. var rest] => await ReapProxmoxAsync(rest.Contains("--all-hosts"), console, cancellationToken),
                ["doctor", .. var rest] => await DoctorCommand.RunAsync(rest, console, cancellationToken),
                ["history", .. var rest] => await HistoryCommand.RunAsync(rest, console, cancellationToken),
                _ => UsageError(console, args.Length == 0 ? null : $"unknown command line: {string.Join(' ', args)}"),
            };
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or System.Text.Json.JsonException)
        {
            return UsageError(console, e.Message);
        }
    }

    private static async Task<int> ReapProxmoxAsync(bool allHosts, IAnsiConsole console, CancellationToken cancellationToken)
    {
        try
        {
            var pve = Configuration.PveOptions.Load(Configuration.OptionsLoader.ReadEnvironment());
            var reaped = await Testbeds.Proxmox.ProxmoxReaper.ReapAsync(pve, allHosts, m => console.WriteLine(m), cancellationToken);
            console.WriteLine($"{reaped.Count} guest(s) removed");
            return 0;
        }
        catch (Configuration.HarnessConfigurationException e)
        {
            console.WriteLine(e.Message);
            return RunComparison.ExitUsage;
        }
    }

    private static async Task<int> ProvisionAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        int? guests = null;
        var hold = TimeSpan.Zero;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--guests" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 16:
                    guests = n;
                    i++;
                    break;
                case "--hold" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var h) && h is >= 0 and <= 86400:
                    hold = TimeSpan.FromSeconds(h);
                    i++;
                    break;
                default:
                    throw new ArgumentException($"provision: '{args[i]}' is not understood; use --guests 1..16 and --hold 0..86400 (seconds)");
            }
        }
        try
        {
            var options = Configuration.OptionsLoader.Load();
            if (guests is { } count) options = options with { GuestCount = count };
            await using var session = await Running.IsolationSession.StartAsync(options, m => console.WriteLine(m), cancellationToken);
            console.WriteLine($"ready: run {session.Record.RunId}, {options.GuestCount} guest(s); holding {hold.TotalSeconds:0} s");
            try
            {
                await Task.Delay(hold, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                console.WriteLine("cancelled");
            }
            return 0;
        }
        catch (Configuration.HarnessConfigurationException e)
        {
            console.WriteLine(e.Message);
            return RunComparison.ExitUsage;
        }
        catch (Exception e) when (e is Testbeds.Docker.DockerEngineUnavailableException or Testbeds.Docker.GuestImageUnavailableException
                                      or Pve.PveApiException)
        {
            console.WriteLine(e.Message);
            return 1;
        }
    }

    private static int UsageError(IAnsiConsole console, string? message)
    {
        if (message is not null) console.MarkupLine($"[red]{Markup.Escape(message)}[/]");
        console.WriteLine(Usage);
        return RunComparison.ExitUsage;
    }

    private static async Task<int> CompareAsync(string runPath, string baselinePath, Options options, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var run = RunRecord.Load(RunReports.ResultsPath(runPath));
        var baseline = RunRecord.Load(RunReports.ResultsPath(baselinePath));
        var comparison = RunComparison.Compare(run, baseline, options.Comparison);
        ComparisonTable.Write(console, comparison);
        if (options.StepSummary) await StepSummary.AppendAsync(ComparisonMarkdown.Render(comparison), Environment.GetEnvironmentVariable(StepSummary.Variable), cancellationToken);
        return comparison.ExitCode;
    }

    private static async Task<int> ReportAsync(string runPath, Options options, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var path = RunReports.ResultsPath(runPath);
        var files = await RunReports.RewriteAsync(path, cancellationToken);
        console.MarkupLine($"wrote [bold]{Markup.Escape(files.Markdown)}[/], [bold]{Markup.Escape(files.Html)}[/] and {files.Charts.Count} chart(s)");
        if (files.ChartError is not null) console.MarkupLine($"[yellow]{Markup.Escape(files.ChartError)}[/]");
        if (options.StepSummary && await StepSummary.AppendAsync(RunRecord.Load(path), cancellationToken))
        {
            console.MarkupLine($"appended the summary to ${StepSummary.Variable}");
        }
        return 0;
    }

    private sealed record Options(ComparisonOptions Comparison, bool StepSummary)
    {
        public static Options Parse(IReadOnlyList<string> args)
        {
            var comparison = new ComparisonOptions();
            var stepSummary = false;
            for (var i = 0; i < args.Count; i++)
            {
                switch (args[i])
                {
                    case "--threshold":
                        comparison = comparison with { ThresholdPercent = Number(args, ++i, "--threshold") };
                        break;
                    case "--min-points":
                        comparison = comparison with { MinimumPoints = Number(args, ++i, "--min-points") };
                        break;
                    case "--allow-missing":
                        comparison = comparison with { AllowMissing = true };
                        break;
                    case "--compare-anyway":
                        comparison = comparison with { CompareAnyway = true };
                        break;
                    case "--step-summary":
                        stepSummary = true;
                        break;
                    default:
                        throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            return new Options(comparison, stepSummary);
        }

        private static double Number(IReadOnlyList<string> args, int i, string name) =>
            i < args.Count && double.TryParse(args[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v)
                ? v
                : throw new ArgumentException($"{name} needs a number of 0 or more, e.g. {name} 5");
    }
}
