using System.Globalization;

namespace PveEmulator.Runtime.Lxc;

/// <summary>
/// A PVE container's limits as its cgroup gets them, translated to the engine's flags (pve-container writes the
/// same cgroup files): memory (MiB, default 512) → memory limit; swap (default 512) → memory+swap limit; cpulimit →
/// CFS quota over a 100 ms period (0: none); cpuunits → cpu.shares (v1, default 1024) or cpu.weight (v2, the engine
/// converts); cores → a cpuset of that many host CPUs, as pvestatd's rebalancing assigns them.
/// </summary>
public static class ContainerLimits
{
    public static IEnumerable<string> CreateArguments(EmuGuest ct) => Common(ct);

    public static IEnumerable<string> UpdateArguments(EmuGuest ct, int[]? cpus)
    {
        foreach (var a in Common(ct)) yield return a;
        yield return "--cpuset-cpus";
        yield return cpus is null ? $"0-{Environment.ProcessorCount - 1}" : string.Join(',', cpus);
    }

    /// <summary>
    /// cores CPUs, the least used by the other running containers first (lowest number on a tie), as pvestatd's
    /// rebalance picks them; null (every CPU) without cores or when cores covers the host.
    /// </summary>
    public static int[]? PickCpus(EmuGuest ct, IEnumerable<int[]?> others, int? hostCpus = null)
    {
        var host = hostCpus ?? Environment.ProcessorCount;
        var cores = ct.IntConfig("cores", 0);
        if (cores <= 0 || cores >= host) return null;
        var use = new int[host];
        foreach (var set in others)
        {
            foreach (var cpu in set ?? Enumerable.Range(0, host).ToArray())
            {
                if (cpu < host) use[cpu]++;
            }
        }
        return Enumerable.Range(0, host).OrderBy(c => use[c]).ThenBy(c => c).Take(cores).Order().ToArray();
    }

    private static IEnumerable<string> Common(EmuGuest ct)
    {
        var memory = ct.IntConfig("memory", 512);
        var swap = ct.IntConfig("swap", 512);
        var limit = double.TryParse(ct.Config.GetValueOrDefault("cpulimit"), NumberStyles.Float, CultureInfo.InvariantCulture, out var l) ? l : 0;
        var units = ct.IntConfig("cpuunits", 1024);
        return
        [
            "--memory", $"{memory}m", "--memory-swap", $"{memory + swap}m",
            // The engine's own floor for shares is 2, as the kernel's; PVE clamps cpuunits to the same range on v1.
            "--cpu-shares", Math.Max(2, units).ToString(CultureInfo.InvariantCulture),
            "--cpu-period", "100000",
            "--cpu-quota", limit > 0 ? ((long)Math.Round(limit * 100_000)).ToString(CultureInfo.InvariantCulture) : "-1",
        ];
    }
}
