using Harness.Analysis;
using Harness.Configuration;
using Harness.Fixtures;
using Xunit;

namespace Harness.Scenarios.Tests;

/// <summary>
/// Negative controls of the antagonist channels: the rows of scenarios/beyond-paper.yaml on a testbed without a
/// disk limit, where a neighbour's disk or memory traffic reaches its victims. Each row must fail with its own
/// channel's metric on at least one victim (its whole interval past the budget), or that channel's check is blind.
/// </summary>
[Trait("Category", "ChannelControl")]
public sealed class ChannelControlTests(ChannelControlFixture testbed) : IClassFixture<ChannelControlFixture>
{
    [Fact]
    public Task A_disk_antagonist_is_caught_on_its_victims_by_write_latency() =>
        AssertCaughtAsync("io antagonist", Metric.IoLatencyP50, Metric.IoLatencyP99);

    [Fact]
    public Task A_memory_bandwidth_antagonist_is_caught_on_its_victims_by_bandwidth_loss() =>
        AssertCaughtAsync("membw antagonist", Metric.MemoryBandwidthLoss);

    private async Task AssertCaughtAsync(string row, params Metric[] metrics)
    {
        var file = Path.Combine(OptionsLoader.RepositoryRoot() ?? ".", "scenarios", "beyond-paper.yaml");
        var scenario = ScenarioFile.Load(file, 4).Single(s => s.Name == row);
        var result = await testbed.RunLoggedAsync(scenario, "channel control");
        var table = result.ToTable();
        Assert.True(result.Verdict.Outcome == Outcome.Fail, $"the {row} was not caught:\n" + table);
        Assert.True(result.Verdict.Checks.Any(c => c.Failed && metrics.Contains(c.Metric)),
            $"the {row} was not caught by {string.Join(" or ", metrics.Select(m => m.Label))} (whole interval past the budget):\n" + table);
    }
}
