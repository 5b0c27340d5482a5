using Xunit.Sdk;
using Xunit.v3;

namespace Harness.Fixtures;

/// <summary>Runs scenario rows in the order of their table (Scenario 01 first), as the paper did.</summary>
public sealed class ScenarioOrderer : ITestCaseOrderer
{
    public IReadOnlyCollection<TTestCase> OrderTestCases<TTestCase>(IReadOnlyCollection<TTestCase> testCases)
        where TTestCase : notnull, ITestCase
    {
        var order = ScenarioCatalog.ForDiscovery()
            .Select((s, i) => (s.DisplayName, i))
            .ToDictionary(x => x.DisplayName, x => x.i, StringComparer.Ordinal);
        return testCases
            .OrderBy(t => order.TryGetValue(t.TestCaseDisplayName, out var i) ? i : int.MaxValue)
            .ThenBy(t => t.TestCaseDisplayName, StringComparer.Ordinal)
            .ToArray();
    }
}
