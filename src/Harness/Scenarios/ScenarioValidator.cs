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

    /// <summary>
    /// Most guests a scenario (and so a testbed) may have. A repetition measures one co-run and one solo segment per
    /// guest, so its length grows with the guests, and the default size shares 80% of the host among them: eight
    /// guests on two cores get 0.2 CPU each, where the harness's own cost is already 1.7 points of a guest's CPU.
    /// </summary>
    public const int MaxGuests = 8;

    // The sizes a scenario may give a guest: what Docker and Proxmox accept; whether the host has them is checked when
    // the testbed is planned (GuestPlan) or made.
    private const double MinCpus = 0.01, MaxCpus = 512;
    private const long MinMemoryMiB = 64, MaxMemoryMiB = 1 << 20;

    public static IReadOnlyList<string> Problems(IReadOnlyList<Scenario> scenarios)
    {
        var problems = new List<string>();
        foreach (var dup in scenarios.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add($"scenario name '{dup.Key}' is used {dup.Count()} times; names must be unique.");
        }
        foreach (var s in scenarios)
        {
            if (s.Loads.Count is 0 or > MaxGuests)
            {
                problems.Add($"'{s.Name}' has {s.Loads.Count} guests; a scenario has 1 to {MaxGuests} (the cap, README 'Your own scenarios').");
            }
            var duplicates = s.Loads.GroupBy(l => l.Guest, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).ToArray();
            foreach (var dup in duplicates)
            {
                problems.Add($"'{s.Name}': guest name '{dup.Key}' appears {dup.Count()} times; guest names must be unique.");
            }
            // The testbed's guests are S1..Sn and a row of k guests runs on the first k of them.
            var expected = Enumerable.Range(1, s.Loads.Count).Select(i => $"S{i}").ToArray();
            if (duplicates.Length == 0 && s.Loads.Count is > 0 and <= MaxGuests && !expected.Order().SequenceEqual(s.Loads.Select(l => l.Guest).Order(), StringComparer.Ordinal))
            {
                problems.Add($"'{s.Name}': guests are named {string.Join(", ", s.Loads.Select(l => l.Guest))}; a row of {s.Loads.Count} names {string.Join(", ", expected)} (it runs on the testbed's first {s.Loads.Count}).");
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
                if (l.SizeOrDefault.Cpus is { } c && c is not (>= MinCpus and <= MaxCpus))
                {
                    problems.Add($"'{s.Name}' guest {l.Guest}: cpus {c} is outside {MinCpus}-{MaxCpus} (CPUs of its allocation, e.g. 0.5 or 2).");
                }
                if (l.SizeOrDefault.MemoryMiB is { } m && m is not (>= MinMemoryMiB and <= MaxMemoryMiB))
                {
                    problems.Add($"'{s.Name}' guest {l.Guest}: memoryMiB {m} is outside {MinMemoryMiB}-{MaxMemoryMiB}.");
                }
            }
        }
        problems.AddRange(SizeConflicts(scenarios));
        return problems;
    }

    /// <summary>
    /// A guest is provisioned once for the whole run, so every row that names it must give it the same size (a row
    /// that gives none means the run's default): what a row says of its guests is then what they are.
    /// </summary>
    private static IEnumerable<string> SizeConflicts(IReadOnlyList<Scenario> scenarios) =>
        scenarios.SelectMany(s => s.Loads.Select(l => (Scenario: s.Name, l.Guest, Size: l.SizeOrDefault)))
            .GroupBy(x => x.Guest, StringComparer.Ordinal)
            .Where(g => g.Select(x => x.Size).Distinct().Count() > 1)
            .Select(g => $"guest {g.Key} has different sizes: "
                         + string.Join("; ", g.GroupBy(x => x.Size).Select(b =>
                             $"{(b.Key.IsDefault ? "the default" : b.Key.ToString())} in {string.Join(", ", b.Select(x => $"'{x.Scenario}'"))}"))
                         + ". A guest keeps one size for the whole run: give it the same 'cpus' and 'memoryMiB' in every row (or put the rows in files of their own).");

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

    public static void Validate(IReadOnlyList<Scenario> scenarios)
    {
        var problems = Problems(scenarios);
        if (problems.Count > 0) throw new ScenarioValidationException(problems);
    }

    private static bool InRange(double v) => v is >= 0 and <= 100 && !double.IsNaN(v);
}
