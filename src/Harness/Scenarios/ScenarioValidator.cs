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
    /// <summary>Relative weights up to 100: Docker's shares (× 1024) and Proxmox's cpuunits (× 100) both hold that.</summary>
    public const int MaxWeight = 100;

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
            if (s.IsFairShare && s.Loads.Any(l => l.CpuWeight is null))
            {
                problems.Add($"'{s.Name}': give every guest a 'weight' or none (a fair-share row compares each guest's share with its weight's).");
            }
            foreach (var l in s.Loads)
            {
                if (l.CpuWeight is { } w and (< 1 or > MaxWeight))
                {
                    problems.Add($"'{s.Name}' guest {l.Guest}: weight {w} is outside 1-{MaxWeight} (relative: 2 gets twice the CPU of 1).");
                }
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
