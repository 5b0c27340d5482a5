using System.Diagnostics;
using Harness.Analysis;
using Harness.Configuration;
using Harness.History;
using Harness.Reporting;
using Harness.Reporting.Comparison;
using Harness.Tests.Reporting;
using Xunit;

namespace Harness.Tests.History;

/// <summary><c>Harness.Cli history</c> and <c>compare</c> as the nightly workflow runs them: their exit codes.</summary>
public sealed class HistoryCommandTests
{
    private static async Task<(int Exit, string Output)> CliAsync(params string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var cli = Path.Combine(OptionsLoader.RepositoryRoot()!, "src", "Harness.Cli", "bin", here.Parent!.Name, here.Name, "Harness.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} is missing; build the solution");
        var psi = new ProcessStartInfo("dotnet", [cli, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["COLUMNS"] = "400";
        psi.Environment.Remove(StepSummary.Variable);
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task History_exits_4_on_a_new_change_point_and_0_once_it_is_acknowledged()
    {
        var folder = Directory.CreateTempSubdirectory("history-cli-").FullName;
        foreach (var run in SyntheticHistory.Make(30, ("quick-b", "S2", Metric.WaitIncrease, 20, 15), upgradeAt: 20))
        {
            run.Save(Path.Combine(folder, "runs", run.RunId, "results.json"));
        }
        var page = Path.Combine(folder, "page", "history.html");

        var (exit, output) = await CliAsync("history", Path.Combine(folder, "runs"), "--out", page);
        Assert.True(exit == HistoryAnalysis.ExitUnacknowledgedChange, output);
        Assert.Contains("quick-b / S2 / wait-increase", output);
        Assert.Contains("pve-manager 8.4.1 → 9.0.3", output);
        Assert.True(File.Exists(page));

        var acks = Path.Combine(folder, "acks.yaml");
        await File.WriteAllTextAsync(acks, $"acknowledgements:\n  - scenario: quick-b\n    guest: S2\n    run: {SyntheticHistory.RunId(20)}\n    reason: upgrade\n    expires: 2999-01-01\n",
            TestContext.Current.CancellationToken);
        (exit, output) = await CliAsync("history", Path.Combine(folder, "runs"), "--out", page, "--acknowledgements", acks);
        Assert.True(exit == HistoryAnalysis.ExitOk, output);
    }

    [Fact]
    public async Task Compare_exits_3_naming_a_changed_control_unless_told_to_compare_anyway()
    {
        var folder = Directory.CreateTempSubdirectory("compare-cli-").FullName;
        var run = ProvenanceComparisonTests.WithFacts(RecordedRun.Load(), ("guest.S1.cpu.weight", "2048"));
        var baseline = ProvenanceComparisonTests.WithFacts(RecordedRun.Load(), ("guest.S1.cpu.weight", "1024"));
        run.Save(Path.Combine(folder, "run", "results.json"));
        baseline.Save(Path.Combine(folder, "baseline", "results.json"));

        var (exit, output) = await CliAsync("compare", Path.Combine(folder, "run"), Path.Combine(folder, "baseline"));
        Assert.True(exit == RunComparison.ExitProvenanceDiffers, output);
        Assert.Contains("S1 CPU weight (shares, cpuunits) 1024 → 2048", output);

        (exit, output) = await CliAsync("compare", Path.Combine(folder, "run"), Path.Combine(folder, "baseline"), "--compare-anyway");
        Assert.True(exit == RunComparison.ExitOk, output);
        Assert.Contains("compared anyway", output);
    }
}
