using Harness.Analysis;
using Harness.Fixtures;
using Xunit;

[assembly: TestCaseOrderer(typeof(ScenarioOrderer))]

namespace Harness.Scenarios.Tests;

public static class ScenarioRows
{
    public static IEnumerable<TheoryDataRow<string>> All() =>
        ScenarioCatalog.ForDiscovery().Select(s => new TheoryDataRow<string>(s.Name) { TestDisplayName = s.DisplayName });
}

/// <summary>
/// Each scenario of the run (the paper's Table 1 by default) is one theory row with its own verdict, on one backend.
/// Pass: every guest on target and no neighbour measurably slowed it. Fail: the table says which guest and metric.
/// Invalid (not judged: loads off target, a signal missing, solo references too noisy) and inconclusive (a check
/// still undecided after the most repetitions) are never a pass: the row fails, unless HARNESS_MAX_INVALID_ROWS allows that many invalid rows, when it is skipped; either way its
/// message starts with <see cref="TestbedFixture.InvalidRowMarker"/>, which CI counts apart.
/// </summary>
public abstract class ScenarioTheory<TFixture>(TFixture testbed) : IClassFixture<TFixture>
    where TFixture : TestbedFixture
{
    [Theory]
    [MemberData(nameof(ScenarioRows.All), MemberType = typeof(ScenarioRows))]
    public async Task Guests_stay_isolated(string scenario)
    {
        if (testbed.SkipReason is { } skip) Assert.Skip(skip);
        if (testbed.SetupFailure is { } failure) Assert.Fail(failure);
        if (testbed.Session.Broken is { } broken) Assert.Skip($"not run: {broken}");

        testbed.Starting(scenario);
        var result = await testbed.Session.RunAsync(testbed.Scenario(scenario), TestContext.Current.CancellationToken);
        var table = result.ToTable();
        TestContext.Current.TestOutputHelper?.WriteLine(table);
        testbed.Progress(table.TrimEnd());
        switch (result.Verdict.Outcome)
        {
            case Outcome.Fail:
                Assert.Fail(table);
                break;
            case Outcome.Invalid or Outcome.Inconclusive:
                var (allowed, message) = testbed.Invalid(result.Verdict);
                if (allowed) Assert.Skip(message);
                Assert.Fail(message + "\n" + table);
                break;
        }
    }
}

[Trait("Category", "Scenario")]
public sealed class EmbeddedScenarioTests(DockerTestbedFixture testbed) : ScenarioTheory<DockerTestbedFixture>(testbed);

[Trait("Category", "Proxmox")]
public sealed class ProxmoxScenarioTests(ProxmoxTestbedFixture testbed) : ScenarioTheory<ProxmoxTestbedFixture>(testbed);

[Trait("Category", "Static")]
public sealed class StaticScenarioTests(StaticTestbedFixture testbed) : ScenarioTheory<StaticTestbedFixture>(testbed);
