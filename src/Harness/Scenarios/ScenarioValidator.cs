namespace Harness.Scenarios;

public sealed class ScenarioValidationException(IReadOnlyList<string> problems)
    : Exception("Invalid scenarios (nothing was started):" + Environment.NewLine
                + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Rules every scenario set obeys, whether it comes from the paper or from a user file.</summary>
public static class ScenarioValidator
{
    public static IReadOnlyList<string> Problems(IReadOnlyList<Scenario> scenarios, int guestCount)
    {
        var problems = new List<string>();
        foreach (var dup in scenarios.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add($"scenario name '{dup.Key}' is used {dup.Count()} times; names must be unique.");
        }
        foreach (var s in scenarios)
        {
            if (s.Loads.Count != guestCount)
            {
                problems.Add($"'{s.Name}' has {s.Loads.Count} guests; the testbed has {guestCount}. Give exactly {guestCount}.");
            }
            foreach (var dup in s.Loads.GroupBy(l => l.Guest, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                problems.Add($"'{s.Name}': guest name '{dup.Key}' appears {dup.Count()} times; guest names must be unique.");
            }
            foreach (var l in s.Loads)
            {
                if (!InRange(l.CpuPercent)) problems.Add($"'{s.Name}' guest {l.Guest}: cpu {l.CpuPercent} is outside 0-100.");
                if (!InRange(l.RamPercent)) problems.Add($"'{s.Name}' guest {l.Guest}: ram {l.RamPercent} is outside 0-100.");
            }
        }
        return problems;
    }

    public static void Validate(IReadOnlyList<Scenario> scenarios, int guestCount)
    {
        var problems = Problems(scenarios, guestCount);
        if (problems.Count > 0) throw new ScenarioValidationException(problems);
    }

    private static bool InRange(double v) => v is >= 0 and <= 100 && !double.IsNaN(v);
}
