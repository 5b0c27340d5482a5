using Harness.Fixtures;
using Xunit;

[assembly: AssemblyFixture(typeof(TestbedFixture))]
[assembly: TestCaseOrderer(typeof(ScenarioOrderer))]

namespace Harness.Scenarios.Tests;

/// <summary>Each scenario of the run (the paper's Table 1 by default) is one theory row with its own verdict.</summary>
[Trait("Category", "Scenario")]
public sealed class PaperScenarioTests(TestbedFixture testbed)
{
    public static IEnumerable<TheoryDataRow<string>> Rows() =>
        ScenarioCatalog.ForDiscovery().Select(s => new TheoryDataRow<string>(s.Name) { TestDisplayName = s.DisplayName });

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Each_guest_reaches_its_load_whatever_its_neighbours_do(string scenario)
    {
        if (testbed.SetupFailure is { } failure) Assert.Fail(failure);
        if (testbed.Session.Broken is { } broken) Assert.Skip($"not run: {broken}");

        testbed.Progress($"{scenario}: starting");
        var result = await testbed.Session.RunAsync(testbed.Scenario(scenario), TestContext.Current.CancellationToken);
        var table = result.Verdict.ToTable();
        TestContext.Current.TestOutputHelper?.WriteLine(table);
        testbed.Progress(table.TrimEnd());
        Assert.True(result.Verdict.Passed, table);
    }
}
