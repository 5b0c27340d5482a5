using Harness.Analysis;
using Harness.Fixtures;
using Xunit;

namespace Harness.Scenarios.Tests;

/// <summary>
/// Proves the gate can fail. On a testbed whose guests ask for four times the host's CPUs (twice left the heavy
/// guests' slowdown at ~105 against its 90, undecided in most of them; README) (1) scenario 5, all four at
/// 90%, is interference every heavy guest feels, and the harness must report it by slowdown, wait, lost
/// throughput and utilisation; (2) scenario 4, three 90% guests beside one 10% guest, slows the light guest's
/// work, which wait and throughput (both scaled by the victim's own small load) cannot see: slowdown must not
/// pass it. The same scenario 4 passes on the sized testbed as a row of the suite. A check counts as caught only
/// when its whole interval lies past its limit (after the fail was confirmed on twice the data).
/// </summary>
[Trait("Category", "Control")]
public sealed class NegativeControlTests(NegativeControlFixture testbed) : IClassFixture<NegativeControlFixture>
{
    [Fact]
    public async Task An_overcommitted_testbed_is_reported_as_interference_in_scenario_05_by_slowdown_wait_throughput_and_utilisation()
    {
        var result = await RunAsync("Scenario 05");
        var table = result.ToTable();
        Assert.True(result.Verdict.Outcome == Outcome.Fail, "the overcommitted testbed was not caught:\n" + table);
        var breached = result.Verdict.Checks.Where(c => c.Failed).Select(c => c.Metric).ToHashSet();
        foreach (var metric in new[] { Metric.Slowdown, Metric.WaitIncrease, Metric.ThroughputLoss, Metric.Cpu })
        {
            Assert.True(breached.Contains(metric), $"interference not seen in {metric.Label}:\n" + table);
        }
    }

    /// <summary>
    /// The light victim's slowdown reads 173–183 % here and 45–74 % on the sized testbed (README). At twice the host
    /// it read 84–144 %, failing when the neighbours took the most and undecided (inconclusive: never a pass, and the
    /// gate goes red) when its segments were too few to tell; what must never happen is that it passes, or that the
    /// row is green.
    /// </summary>
    [Fact]
    public async Task A_light_guest_beside_three_heavy_ones_on_an_overcommitted_testbed_is_never_judged_isolated_by_slowdown()
    {
        var result = await RunAsync("Scenario 04");
        var table = result.ToTable();
        var light = result.Verdict.Checks.Single(c => c.Guest == "S4" && c.Metric == Metric.Slowdown);
        Assert.True(light.Outcome is Outcome.Fail or Outcome.Inconclusive, "the light victim's slowdown passed on an overcommitted testbed:\n" + table);
        Assert.True(light.Measured > 0 && light.High > light.Tolerance, table);
        Assert.NotEqual(Outcome.Pass, result.Verdict.Outcome);
    }

    private Task<Running.ScenarioResult> RunAsync(string scenario) => testbed.RunLoggedAsync(testbed.Scenario(scenario), "negative control");
}
