using Harness.Analysis;
using Harness.Configuration;
using Harness.Fixtures;
using Xunit;

namespace Harness.Scenarios.Tests;

/// <summary>
/// Negative controls of the antagonist channels: the rows of scenarios/beyond-paper.yaml on a testbed without a
/// disk limit, where a neighbour's disk or memory traffic reaches its victims. The disk row must never be judged
/// isolated: at least one victim's write latency reads past its budget and is not passed — failed (its whole 95%
/// interval past the budget) or, when the p99 of a few hundred writes per side is too spread to decide even after
/// the most repetitions, inconclusive (red in the gate as well) — or that channel's check is blind.
/// The memory-bandwidth row must be judged on every victim; measured here, its antagonist costs the victims no
/// more than the same row with the antagonist at 1% (docs/antagonists.md), so a row that is not caught is skipped
/// with this run's own figures rather than passed or forced to fail.
/// </summary>
[Trait("Category", "ChannelControl")]
public sealed class ChannelControlTests(ChannelControlFixture testbed) : IClassFixture<ChannelControlFixture>
{
    [Fact]
    public Task A_disk_antagonist_is_never_judged_isolated_on_its_victims_by_write_latency() =>
        AssertNotIsolatedAsync("io antagonist", Metric.IoLatencyP50, Metric.IoLatencyP99);

    [Fact]
    public async Task A_memory_bandwidth_antagonist_is_judged_on_every_victim_and_reported_when_this_host_cannot_see_it()
    {
        var result = await RunAsync("membw antagonist");
        var table = result.ToTable();
        var checks = result.Verdict.Checks.Where(c => c.Metric == Metric.MemoryBandwidthLoss).ToArray();
        Assert.True(checks.Length == 3 && checks.All(c => c.Outcome != Outcome.Invalid), "the memory-bandwidth probe did not judge every victim:\n" + table);
        if (!checks.Any(c => c.Failed))
        {
            Assert.Skip("not caught on this host (as measured in docs/antagonists.md: no more loss than with the antagonist at 1%):\n" + table);
        }
    }

    private async Task<Running.ScenarioResult> RunAsync(string row)
    {
        var file = Path.Combine(OptionsLoader.RepositoryRoot() ?? ".", "scenarios", "beyond-paper.yaml");
        return await testbed.RunLoggedAsync(ScenarioFile.Load(file).Single(s => s.Name == row), "channel control");
    }

    private async Task AssertNotIsolatedAsync(string row, params Metric[] metrics)
    {
        var result = await RunAsync(row);
        var table = result.ToTable();
        Assert.True(result.Verdict.Outcome is Outcome.Fail or Outcome.Inconclusive, $"the {row} was judged isolated or could not be judged:\n" + table);
        Assert.True(result.Verdict.Checks.Any(c => metrics.Contains(c.Metric) && c.Outcome is Outcome.Fail or Outcome.Inconclusive && c.Measured > c.Tolerance),
            $"no victim's {string.Join(" or ", metrics.Select(m => m.Label))} read past its budget without passing:\n" + table);
    }
}
