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
            if (s.HasAntagonists && s.Loads.All(l => l.AntagonistsOrNone.Count > 0))
            {
                problems.Add($"'{s.Name}': every guest runs an antagonist; leave at least one victim (a guest without antagonists) to measure.");
            }
            if (s.HasAntagonists && s.IsFairShare)
            {
                problems.Add($"'{s.Name}': a fair-share row cannot carry antagonists (it judges CPU shares only); put them in a row of their own.");
            }
            foreach (var l in s.Loads)
            {
                if (l.CpuWeight is { } w and (< 1 or > MaxWeight))
                {
                    problems.Add($"'{s.Name}' guest {l.Guest}: weight {w} is outside 1-{MaxWeight} (relative: 2 gets twice the CPU of 1).");
                }
                foreach (var a in l.AntagonistsOrNone) problems.AddRange(AntagonistProblems(s.Name, l.Guest, a));
                if (!InRange(l.CpuPercent)) problems.Add($"'{s.Name}' guest {l.Guest}: cpu {l.CpuPercent} is outside 0-100.");
                if (!InRange(l.RamPercent)) problems.Add($"'{s.Name}' guest {l.Guest}: ram {l.RamPercent} is outside 0-100.");
            }
        }
        return problems;
    }

    private static IEnumerable<string> AntagonistProblems(string scenario, string guest, Antagonist a)
    {
        var where = $"'{scenario}' guest {guest}";
        if (a.Class.Length > 0 && !Antagonist.Implemented.Contains(a.Class))
        {
            yield return Antagonist.Reserved.Contains(a.Class)
                ? $"{where}: antagonist class '{a.Class}' is not implemented yet; use one of {string.Join(", ", Antagonist.Implemented)}."
                : $"{where}: unknown antagonist class '{a.Class}'; use one of {string.Join(", ", Antagonist.Implemented)}.";
        }
        if (a.Intensity is not (>= 1 and <= 100)) yield return $"{where}: antagonist intensity {a.Intensity} is outside 1-100 (% of wall time it runs).";
        if (a.Sync && a.Class != Antagonist.Io) yield return $"{where}: 'sync' applies only to an io antagonist.";
    }

    public static void Validate(IReadOnlyList<Scenario> scenarios, int guestCount)
    {
        var problems = Problems(scenarios, guestCount);
        if (problems.Count > 0) throw new ScenarioValidationException(problems);
    }

    private static bool InRange(double v) => v is >= 0 and <= 100 && !double.IsNaN(v);
}
