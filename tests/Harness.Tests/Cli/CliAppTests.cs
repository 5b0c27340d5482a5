using Harness.Cli;
using Harness.Tests.Reporting;
using Spectre.Console;
using Xunit;

namespace Harness.Tests.Cli;

/// <summary>Every command and option of the command line, parsed by System.CommandLine, with the old exit codes.</summary>
public sealed class CliAppTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("harness-cli-").FullName;
    private readonly StringWriter _out = new();

    private static string Recorded => Path.Combine(RecordedRun.RepositoryRoot, "tests", "Harness.Tests", "Reporting", "Data", "recorded-run.json");

    private async Task<int> RunAsync(params string[] args)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_out), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        return await CliApp.RunAsync(args, console, TestContext.Current.CancellationToken);
    }

    private string Output => _out.ToString();

    [Theory]
    [InlineData("compare", "--threshold", "--min-points", "--allow-missing", "--compare-anyway", "--step-summary")]
    [InlineData("report", "--step-summary")]
    [InlineData("benchmark", "--null", "--control")]
    [InlineData("harness-cost", "--cpus", "--seconds")]
    [InlineData("provision", "--guests", "--hold")]
    [InlineData("reap-proxmox", "--all-hosts")]
    [InlineData("doctor", "--provision")]
    [InlineData("history", "--out", "--acknowledgements", "--step-summary")]
    public async Task Every_command_is_registered_with_its_options(string command, params string[] options)
    {
        Assert.Equal(0, await RunAsync(command, "--help"));
        Assert.All(options, o => Assert.Contains(o, Output));
    }

    [Fact]
    public async Task A_run_compared_with_itself_does_not_regress_and_bad_input_exits_2()
    {
        Assert.Equal(0, await RunAsync("compare", Recorded, Recorded, "--threshold", "5", "--min-points", "1", "--allow-missing"));
        Assert.Contains("no regression", Output);
        Assert.Equal(2, await RunAsync("compare", Recorded, Path.Combine(_folder, "missing.json")));
        Assert.Equal(2, await RunAsync("compare", Recorded, Recorded, "--threshold", "-1"));
        Assert.Contains("--threshold needs a number of 0 or more", Output);
        Assert.Equal(2, await RunAsync("compare", Recorded));
    }

    [Fact]
    public async Task Report_writes_the_reports_next_to_the_results()
    {
        var results = Path.Combine(_folder, "results.json");
        File.Copy(Recorded, results);
        Assert.Equal(0, await RunAsync("report", _folder));
        Assert.True(File.Exists(Path.Combine(_folder, "report.md")));
    }

    [Fact]
    public async Task Benchmark_takes_several_runs_per_option()
    {
        Assert.Equal(0, await RunAsync("benchmark", "--null", Recorded, Recorded, "--control", Recorded));
        Assert.Contains("null runs / scenarios", Output);
        Assert.Contains("2 / ", Output);
        // The same run twice is the purest A/A pair: the upgrade gate's compare must not call it a regression.
        Assert.Contains("A/A compare", Output);
        Assert.Contains("exit 0", Output);
        Assert.Contains("per suite", Output);
        Assert.Equal(2, await RunAsync("benchmark"));
    }

    [Theory]
    [InlineData("provision", "--guests", "9")]
    [InlineData("provision", "--hold", "-1")]
    [InlineData("harness-cost", "--seconds", "0")]
    [InlineData("no-such-command")]
    [InlineData("compare", "a", "b", "--no-such-option")]
    public async Task Out_of_range_or_unknown_input_exits_2_with_the_commands_help(params string[] args)
    {
        Assert.Equal(2, await RunAsync(args));
        Assert.Contains("Usage:", Output);
    }

    [Fact]
    public async Task Reap_proxmox_without_settings_names_what_is_missing()
    {
        Assert.Equal(2, await RunAsync("reap-proxmox"));
        Assert.Contains("HARNESS_PVE_URL: missing", Output);
    }

    public void Dispose()
    {
        _out.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
