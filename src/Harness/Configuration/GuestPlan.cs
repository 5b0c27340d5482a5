using System.Globalization;
using Harness.Scenarios;

namespace Harness.Configuration;

/// <summary>
/// The testbed a run's scenarios need: as many guests as the largest row (S1..Sn; a smaller row runs on the first
/// of them and leaves the others idle), each with the size its rows give it. Rows are validated first
/// (<see cref="ScenarioValidator"/>): at most <see cref="ScenarioValidator.MaxGuests"/> guests, one size per guest.
/// </summary>
public static class GuestPlan
{
    /// <summary>
    /// The settings with the guests these scenarios need. On Docker, whose guests take their size from these settings,
    /// the default size is derived again for this many guests (unless HARNESS_GUEST_CPUS is set), from what the sized
    /// ones leave of <see cref="HarnessOptions.DefaultHostShare"/> of <paramref name="hostCores"/>; guests that cannot fit stop the run naming the setting to
    /// change, guests that only contend are reported through <paramref name="warn"/>.
    /// </summary>
    public static HarnessOptions For(
        HarnessOptions options, IReadOnlyList<Scenario> scenarios, int hostCores, Action<string>? warn = null, long? hostMemoryMiB = null)
    {
        var count = scenarios.Count == 0 ? options.GuestCount : scenarios.Max(s => s.Loads.Count);
        var sizes = Enumerable.Range(1, count)
            .Select(i => scenarios.SelectMany(s => s.Loads).FirstOrDefault(l => l.Guest == $"S{i}")?.SizeOrDefault ?? GuestSize.Default)
            .ToArray();
        var planned = options with { GuestCount = count, GuestSizes = sizes.All(s => s.IsDefault) ? [] : sizes };
        // Only Docker sizes its guests from HARNESS_GUEST_*; Proxmox has its own settings and a host of its own, and
        // the static backend's guests are what they are (each backend checks what a row asks of it).
        if (options.Backend != "docker") return planned;

        var problems = new List<string>();
        var cores = hostCores.ToString(CultureInfo.InvariantCulture);
        foreach (var (size, i) in sizes.Select((s, i) => (s, i)).Where(x => x.s.Cpus > hostCores))
        {
            problems.Add($"guest S{i + 1} is given {size.Cpus!.Value.ToString(CultureInfo.InvariantCulture)} CPUs in {Source(options)}; this host has {cores} cores. Give it at most {cores}.");
        }
        var unsized = sizes.Count(s => s.Cpus is null);
        if (options.GuestCpusDerived && unsized > 0)
        {
            var taken = sizes.Sum(s => s.Cpus ?? 0);
            var each = HarnessOptions.EqualShare(HarnessOptions.DefaultHostShare * hostCores - taken, unsized);
            if (each < 0.05)
            {
                problems.Add(
                    $"HARNESS_GUEST_CPUS: unset, so {unsized} guest(s) of {Source(options)} share what the sized ones leave of {HarnessOptions.DefaultHostShare:0%} of this host's {cores} cores, " +
                    $"but those take {taken.ToString("0.##", CultureInfo.InvariantCulture)} CPUs. Set HARNESS_GUEST_CPUS (e.g. 0.1; the guests may then oversubscribe the host), give every guest its 'cpus', or shrink the sized ones.");
            }
            else
            {
                planned = planned with { GuestCpus = each, GuestCpusDerived = true };
            }
        }
        if (problems.Count > 0) throw new HarnessConfigurationException(problems);

        var total = Enumerable.Range(0, count).Sum(i => planned.AllocationOf(i).Cpus);
        if (total > hostCores)
        {
            warn?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"the {count} guests ask for {total:0.##} CPUs of this host's {hostCores} cores: they contend for CPU (a negative control wants that; a sized testbed does not — lower HARNESS_GUEST_CPUS or the rows' 'cpus')"));
        }
        var memory = Enumerable.Range(0, count).Sum(i => planned.AllocationOf(i).MemoryBytes) / (1024 * 1024);
        if (hostMemoryMiB is { } host && memory > host)
        {
            warn?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"the {count} guests' memory limits add up to {memory} MiB, more than this host's {host} MiB: high RAM targets may push the host into swapping or its OOM killer — lower HARNESS_GUEST_MEMORY_MIB or the rows' 'memoryMiB'"));
        }
        return planned;
    }

    private static string Source(HarnessOptions options) => options.ScenarioFile ?? "the scenarios";
}
