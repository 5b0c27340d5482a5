using System.Globalization;

namespace Harness.Testbeds.Docker;

/// <summary>
/// A container's cgroup as the host sees it, found by the container's id under either hierarchy: cgroup v2 (one
/// folder), or v1 (one folder per controller, PSI from the hybrid "unified" mount where the kernel has it). The
/// cgroupfs driver names it docker/ID, the systemd driver system.slice/docker-ID.scope.
/// </summary>
internal sealed class ContainerCgroup
{
    private readonly string? _v2;
    private readonly string? _cpuacct;
    private readonly string? _cpu;
    private readonly string? _memory;
    private readonly string? _pressure;

    private ContainerCgroup(string? v2, string? cpuacct, string? cpu, string? memory, string? pressure)
    {
        _v2 = v2;
        _cpuacct = cpuacct;
        _cpu = cpu;
        _memory = memory;
        _pressure = pressure;
    }

    /// <summary>Where the container's CPU time is read from (for messages and results).</summary>
    public string Location => _v2 ?? _cpuacct ?? "";

    /// <summary>The container's cgroup, or null with the folders that were looked at.</summary>
    public static ContainerCgroup? Find(string root, string containerId, out string looked)
    {
        var v2 = File.Exists(Path.Combine(root, "cgroup.controllers"));
        var cpuacct = v2 ? root : new[] { "cpuacct", "cpu,cpuacct", "cpuacct,cpu" }.Select(c => Path.Combine(root, c)).FirstOrDefault(Directory.Exists);
        looked = cpuacct ?? Path.Combine(root, "cpuacct");
        if (cpuacct is null) return null;
        var relative = Relative(cpuacct, containerId);
        if (relative is null) return null;
        if (v2) return new ContainerCgroup(Path.Combine(root, relative), null, null, null, Path.Combine(root, relative));
        string? Under(string controller) => Path.Combine(root, controller, relative) is var p && Directory.Exists(p) ? p : null;
        return new ContainerCgroup(null, Path.Combine(cpuacct, relative), Under("cpu") ?? Path.Combine(cpuacct, relative), Under("memory"), Under("unified"));
    }

    /// <summary>The container's folder below a hierarchy's root: the drivers' names first, then a shallow search.</summary>
    private static string? Relative(string hierarchy, string id)
    {
        foreach (var candidate in new[] { Path.Combine("docker", id), Path.Combine("system.slice", $"docker-{id}.scope") })
        {
            if (Directory.Exists(Path.Combine(hierarchy, candidate))) return candidate;
        }
        // A custom --cgroup-parent puts it elsewhere; its folder is still named after the id.
        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3, IgnoreInaccessible = true };
        var found = Directory.EnumerateDirectories(hierarchy, $"*{id}*", options).FirstOrDefault();
        return found is null ? null : Path.GetRelativePath(hierarchy, found);
    }

    /// <summary>
    /// Counters now, in the units their names say. A file that cannot be read leaves its counters out: a missing
    /// figure is never a zero.
    /// </summary>
    public IReadOnlyDictionary<string, long> Read()
    {
        var c = new Dictionary<string, long>(StringComparer.Ordinal);
        if (_v2 is { } d)
        {
            var stat = Fields(Path.Combine(d, "cpu.stat"));
            Put(c, "cpu_ns", stat, "usage_usec", 1000);
            Put(c, "throttled_periods", stat, "nr_throttled", 1);
            Put(c, "throttled_ns", stat, "throttled_usec", 1000);
            Put(c, "mem_bytes", Single(Path.Combine(d, "memory.current")));
            Put(c, "inactive_file", Fields(Path.Combine(d, "memory.stat")), "inactive_file", 1);
            if (Text(Path.Combine(d, "cpu.max"))?.Split(' ') is [var q, var p] && long.TryParse(q, out var quota) && long.TryParse(p, out var period))
            {
                c["quota_us"] = quota;
                c["period_us"] = period;
            }
        }
        else
        {
            Put(c, "cpu_ns", Single(Path.Combine(_cpuacct!, "cpuacct.usage")));
            var stat = Fields(Path.Combine(_cpu!, "cpu.stat"));
            Put(c, "throttled_periods", stat, "nr_throttled", 1);
            Put(c, "throttled_ns", stat, "throttled_time", 1);
            Put(c, "quota_us", Single(Path.Combine(_cpu!, "cpu.cfs_quota_us")));
            Put(c, "period_us", Single(Path.Combine(_cpu!, "cpu.cfs_period_us")));
            if (_memory is { } m)
            {
                Put(c, "mem_bytes", Single(Path.Combine(m, "memory.usage_in_bytes")));
                Put(c, "inactive_file", Fields(Path.Combine(m, "memory.stat")), "total_inactive_file", 1);
            }
        }
        if (_pressure is { } psi)
        {
            foreach (var resource in new[] { "cpu", "memory", "io" }) Put(c, $"{resource}_some_us", SomeTotal(Path.Combine(psi, $"{resource}.pressure")));
        }
        return c;
    }

    private static void Put(Dictionary<string, long> c, string key, long? value)
    {
        if (value is { } v) c[key] = v;
    }

    private static void Put(Dictionary<string, long> c, string key, IReadOnlyDictionary<string, long> fields, string field, long scale)
    {
        if (fields.TryGetValue(field, out var v)) c[key] = v * scale;
    }

    private static string? Text(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long? Single(string path) =>
        long.TryParse(Text(path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>"key value" lines (cpu.stat, memory.stat).</summary>
    private static IReadOnlyDictionary<string, long> Fields(string path)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in (Text(path) ?? "").Split('\n'))
        {
            if (line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var k, var v] && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) result[k] = n;
        }
        return result;
    }

    /// <summary>The "some" line's total stall time (µs) of a PSI file.</summary>
    private static long? SomeTotal(string path)
    {
        var some = (Text(path) ?? "").Split('\n').FirstOrDefault(l => l.StartsWith("some ", StringComparison.Ordinal));
        var total = some?.Split(' ').FirstOrDefault(t => t.StartsWith("total=", StringComparison.Ordinal));
        return long.TryParse(total?["total=".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
    }
}
