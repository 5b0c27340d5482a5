using Harness.Reporting;

namespace Harness.Testbeds;

/// <summary>
/// Host facts behind a run that only the host itself can tell: CPU governor, KSM and CPU model, read from this
/// machine's /sys and /proc. For the Docker backend this machine is the guests' host.
/// </summary>
public static class HostProvenance
{
    /// <param name="root">The file system root; tests point it at a folder laid out like /sys and /proc.</param>
    public static IReadOnlyDictionary<string, string> Read(string root = "/")
    {
        var facts = new Dictionary<string, string>();
        // Cores can run different governors; all of them are named so that a change on any one shows.
        var cpus = Path.Combine(root, "sys", "devices", "system", "cpu");
        var governors = Directory.Exists(cpus)
            ? Directory.EnumerateDirectories(cpus, "cpu*")
                .Select(d => ReadLine(Path.Combine(d, "cpufreq", "scaling_governor")))
                .OfType<string>()
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToArray()
            : [];
        if (governors.Length > 0) facts[ProvenanceControl.Governor.Key(null)] = string.Join(",", governors);
        if (ReadLine(Path.Combine(root, "sys", "kernel", "mm", "ksm", "run")) is { } ksm)
        {
            facts[ProvenanceControl.Ksm.Key(null)] = ksm switch { "0" => "off", "1" => "on", "2" => "unmerged", _ => ksm };
        }
        if (CpuModel(Path.Combine(root, "proc", "cpuinfo")) is { } model) facts[ProvenanceControl.HostCpuModel.Key(null)] = model;
        return facts;
    }

    private static string? CpuModel(string cpuinfo)
    {
        var line = File.Exists(cpuinfo) ? File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line?.Split(':', 2) is [_, var value] && value.Trim() is { Length: > 0 } v ? v : null;
    }

    // A file that is missing or unreadable (no cpufreq in a VM, no KSM in the kernel) leaves its fact out rather than guessing.
    private static string? ReadLine(string path)
    {
        try
        {
            return File.Exists(path) && File.ReadLines(path).FirstOrDefault()?.Trim() is { Length: > 0 } line ? line : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
