using Harness.Analysis;
using Harness.Fixtures;
using Xunit;

namespace Harness.Scenarios.Tests;

/// <summary>
/// Proves the gate can fail: on a testbed whose guests ask for twice the host's CPUs, scenario 5 (all four at
/// 90%) is real interference, and the harness must report it by run-queue wait and by lost throughput (work per
/// wall-second at the same load setting), not only by utilisation.
/// </summary>
[Trait("Category", "Control")]
public sealed class NegativeControlTests(NegativeControlFixture testbed) : IClassFixture<NegativeControlFixture>
{
    [Fact]
    public async Task An_overcommitted_testbed_is_reported_as_interference_in_scenario_05_by_wait_throughput_and_utilisation()
    {
        if (testbed.SkipReason is { } skip) Assert.Skip(skip);
        if (testbed.SetupFailure is { } failure) Assert.Fail(failure);

        var result = await testbed.Session.RunAsync(testbed.Scenario("Scenario 05"), TestContext.Current.CancellationToken);
        var table = result.Verdict.ToTable();
        TestContext.Current.TestOutputHelper?.WriteLine(table);
        testbed.Progress("negative control: " + table.TrimEnd());

        Assert.True(result.Verdict.Outcome == Outcome.Fail, "the overcommitted testbed was not caught:\n" + table);
        var breached = result.Verdict.Checks.Where(c => !c.Passed).Select(c => c.Metric).ToHashSet();
        Assert.True(breached.Any(m => m.StartsWith("wait", StringComparison.Ordinal)), "interference not seen in wait:\n" + table);
        Assert.True(breached.Contains("throughput loss %"), "interference not seen in throughput:\n" + table);
        Assert.True(breached.Contains("CPU %"), "interference not seen in utilisation:\n" + table);
    }
}
