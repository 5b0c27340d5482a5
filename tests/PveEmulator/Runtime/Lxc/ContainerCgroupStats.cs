using System.Globalization;

namespace PveEmulator.Runtime.Lxc;

/// <summary>
/// Reads a running container's cgroup the way pve-common's PVE::CGroup does for PVE's vmstatus: get_cpu_stat (v1:
/// cpuacct.stat user+system ticks; v2: cpu.stat user_usec+system_usec), get_memory_stat (v1: usage_in_bytes minus
/// memory.stat total_cache, swap = memsw usage minus usage; v2: memory.current minus memory.stat file, swap =
/// memory.swap.current), PSI avg10 (v2 only), and uptime from init's start time as lxcfs computes it.
/// The container's cgroup is found from its init's /proc/PID/cgroup, whatever the engine's cgroup driver.
/// </summary>
public sealed class ContainerCgroupStats(int initPid, string root = "/sys/fs/cgroup")
{
    private const double ClockTicks = 100; // USER_HZ on Linux x86_64
    private readonly Dictionary<string, string> _paths = Paths(initPid, root);

    public int InitPid => initPid;

    public bool IsV2 => _paths.ContainsKey("");

    /// <summary>The container's cgroup directory of one v1 controller, or the unified one under v2.</summary>
    public string? Dir(string controller) => _paths.GetValueOrDefault(IsV2 ? "" : controller);

    public ContainerUsage? Read()
    {
        try
        {
            return IsV2 ? ReadV2() : ReadV1();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null; // the container stopped between the check and the read
        }
    }

    private ContainerUsage ReadV1()
    {
        var cpu = Keyed(Path.Combine(Dir("cpuacct")!, "cpuacct.stat"));
        var mem = Dir("memory")!;
        var usage = Single(Path.Combine(mem, "memory.usage_in_bytes"));
        var cache = Keyed(Path.Combine(mem, "memory.stat")).GetValueOrDefault("total_cache");
        var memsw = File.Exists(Path.Combine(mem, "memory.memsw.usage_in_bytes")) ? Single(Path.Combine(mem, "memory.memsw.usage_in_bytes")) : usage;
        return new ContainerUsage((cpu.GetValueOrDefault("user") + cpu.GetValueOrDefault("system")) / ClockTicks, usage - cache, memsw - usage, Uptime(),
            new Dictionary<string, double>());
    }

    private ContainerUsage ReadV2()
    {
        var dir = _paths[""];
        var cpu = Keyed(Path.Combine(dir, "cpu.stat"));
        var current = Single(Path.Combine(dir, "memory.current"));
        var file = Keyed(Path.Combine(dir, "memory.stat")).GetValueOrDefault("file");
        var swapFile = Path.Combine(dir, "memory.swap.current");
        var swap = File.Exists(swapFile) ? Single(swapFile) : 0;
        var pressure = new Dictionary<string, double>();
        foreach (var what in new[] { "cpu", "io", "memory" })
        {
            var f = Path.Combine(dir, $"{what}.pressure");
            if (!File.Exists(f)) continue;
            foreach (var line in File.ReadAllLines(f))
            {
                var parts = line.Split(' ');
                var avg10 = parts.FirstOrDefault(p => p.StartsWith("avg10=", StringComparison.Ordinal));
                if (avg10 is not null && double.TryParse(avg10[6..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) pressure[$"pressure{what}{parts[0]}"] = v;
            }
        }
        return new ContainerUsage((cpu.GetValueOrDefault("user_usec") + cpu.GetValueOrDefault("system_usec")) / 1e6, current - file, swap, Uptime(), pressure);
    }

    private long Uptime()
    {
        var stat = File.ReadAllText($"/proc/{initPid}/stat");
        var start = long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], CultureInfo.InvariantCulture);
        var up = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
        return (long)(up - start / ClockTicks);
    }

    /// <summary>controller → directory (v1), or "" → directory (v2), from the process's own cgroup file.</summary>
    private static Dictionary<string, string> Paths(int pid, string root)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var v2 = File.Exists(Path.Combine(root, "cgroup.controllers"));
        foreach (var line in File.ReadAllLines($"/proc/{pid}/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length < 3) continue;
            var rel = parts[2].TrimStart('/');
            if (v2 && parts[0] == "0") result[""] = Path.Combine(root, rel);
            if (v2) continue;
            foreach (var controller in parts[1].Split(','))
            {
                // Joined hierarchies (cpu,cpuacct) are mounted under their joint name, with symlinks for each part.
                var mount = Directory.Exists(Path.Combine(root, controller)) ? controller : parts[1];
                if (controller.Length > 0) result[controller] = Path.Combine(root, mount, rel);
            }
        }
        return result;
    }

    private static long Single(string file) => long.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);

    private static Dictionary<string, long> Keyed(string file) => File.ReadAllLines(file)
        .Select(l => l.Split(' ', 2))
        .Where(p => p.Length == 2 && long.TryParse(p[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
}
