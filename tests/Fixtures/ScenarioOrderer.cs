using Xunit.Sdk;
using Xunit.v3;

namespace Harness.Fixtures;

/// <summary>Runs scenario rows in the order of their table or file (Scenario 01 first), as the paper did.</summary>
public sealed class ScenarioOrderer : ITestCaseOrderer
{
    public IReadOnlyCollection<TTestCase> OrderTestCases<TTestCase>(IReadOnlyCollection<TTestCase> testCases)
        where TTestCase : notnull, ITestCase
    {
        var order = ScenarioCatalog.ForDiscovery()
            .Select((s, i) => (s.Name, i))
            .ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        return testCases
            .OrderBy(t => ScenarioName(t) is { } name && order.TryGetValue(name, out var i) ? i : int.MaxValue)
            .ThenBy(t => t.TestCaseDisplayName, StringComparer.Ordinal)
            .ToArray();
    }

    // A row's display name is the scenario's with xunit's argument suffix appended, so it is matched by its argument:
    // the scenario's name.
    private static string? ScenarioName(ITestCase testCase) =>
        testCase is XunitTestCase { TestMethodArguments: [string name] } ? name : null;
}
