using Harness.Analysis;
using Harness.Fixtures;
using Xunit;

namespace Harness.Scenarios.Tests;

/// <summary>
/// Fair shares under contention: four guests each asking for all of their CPU on a testbed that has half of what
/// they ask for, so the host must choose, and each guest's part of what they got together must follow its CPU
/// weight. Equal weights must give equal parts and 2:1:1:1 must give 40/20/20/20; the control gives one guest a
/// weight that promises it more than its own quota lets it take, so the parts cannot follow the weights and the
/// check must fail, naming the weights it found.
/// </summary>
[Trait("Category", "FairShare")]
public sealed class FairShareTests(FairShareFixture testbed) : IClassFixture<FairShareFixture>
{
    [Fact]
    public async Task Equal_weights_give_equal_shares()
    {
        var verdict = await RunAsync("fair share 1:1:1:1", 1, 1, 1, 1);
        Assert.True(verdict.Outcome == Outcome.Pass, verdict.ToTable());
    }

    [Fact]
    public async Task Weights_2_1_1_1_give_shares_40_20_20_20()
    {
        var verdict = await RunAsync("fair share 2:1:1:1", 2, 1, 1, 1);
        Assert.True(verdict.Outcome == Outcome.Pass, verdict.ToTable());
        Assert.Equal(40, verdict.Checks.Single(c => c.Guest == "S1" && c.Metric == Metric.CpuShare).Target, 6);
    }

    [Fact]
    public async Task A_weight_its_quota_cannot_honour_fails_the_row_naming_the_weights_found()
    {
        // Weight 10 promises S1 10/13 of what the guests get, about 1.5 CPUs; its quota is half the host, 1 CPU here.
        var verdict = await RunAsync("fair share control 10:1:1:1", 10, 1, 1, 1);
        var table = verdict.ToTable();
        Assert.True(verdict.Outcome == Outcome.Fail, "shares that cannot follow the weights were not caught:\n" + table);
        Assert.True(verdict.Checks.Single(c => c.Guest == "S1" && c.Metric == Metric.CpuShare).Failed, table);
        Assert.Contains("cpu.shares found: S1 10240, S2 1024, S3 1024, S4 1024", table);
    }

    private async Task<Verdict> RunAsync(string name, params int[] weights) =>
        (await testbed.RunLoggedAsync(new Scenario(name, weights.Select((w, i) => new GuestLoad($"S{i + 1}", 100, 20, w)).ToArray()), "fair share")).Verdict;
}
