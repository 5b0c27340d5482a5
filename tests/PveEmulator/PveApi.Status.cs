using System.Text.RegularExpressions;

namespace PveEmulator;

/// <summary>status/current of a VM, computed from its QEMU process as qemu-server's vmstatus does.</summary>
public sealed partial class PveApi
{
    private Dictionary<string, object?> Status(EmuGuest g)
    {
        var running = g.Status == "running" && Runtime.IsAlive(g);
        if (g.Status == "running" && !running) g.Status = "stopped"; // QEMU died under us: PVE reports it stopped
        var s = new Dictionary<string, object?>
        {
            ["vmid"] = g.VmId, ["name"] = g.Name, ["status"] = running ? "running" : "stopped", ["qmpstatus"] = running ? "running" : "stopped",
            ["cpus"] = g.Cpus, ["maxmem"] = g.MaxMemBytes, ["maxdisk"] = 3L << 30, ["disk"] = 0, ["netin"] = 0, ["netout"] = 0,
            ["diskread"] = 0, ["diskwrite"] = 0, ["uptime"] = running ? (long)(DateTime.UtcNow - g.StartedAt).TotalSeconds : 0,
            ["ha"] = new Dictionary<string, object> { ["managed"] = 0 }, ["cpu"] = 0, ["mem"] = 0,
        };
        if (g.Config.GetValueOrDefault("agent") is { } agent && agent.StartsWith('1')) s["agent"] = 1;
        if (g.Template) s["template"] = 1;
        if (g.Lock is { } l) s["lock"] = l;
        if (g.Config.TryGetValue("tags", out var tags)) s["tags"] = tags;
        if (!running) return s;

        var usage = Runtime.Usage(g);
        var now = DateTime.UtcNow;
        double cpu;
        lock (g)
        {
            // A rate since the previous call (a worker's first answer is 0); calls closer than 1 s repeat the last value.
            var last = g.LastCpuSample;
            if (last is null)
            {
                cpu = 0;
                g.LastCpuSample = (usage.CpuSeconds, now, 0);
            }
            else if ((now - last.Value.At).TotalSeconds < 1)
            {
                cpu = last.Value.Cpu;
            }
            else
            {
                cpu = (usage.CpuSeconds - last.Value.CpuSeconds) / (now - last.Value.At).TotalSeconds / g.Cpus;
                g.LastCpuSample = (usage.CpuSeconds, now, cpu);
            }
        }
        s["cpu"] = Math.Max(0, cpu);
        s["mem"] = usage.MemBytes; // balloon=0: the process's resident memory as the host sees it
        s["memhost"] = usage.MemBytes;
        s["running-qemu"] = Runtime.QemuVersion;
        s["running-machine"] = "pc-q35-9.2+pve0";
        foreach (var (k, v) in usage.Pressure) s[k] = v;
        return s;
    }
}

/// <summary>Value rules PVE applies when it stores a config option (beyond what the schema validator checks).</summary>
public static partial class ConfigRules
{
    public static Dictionary<string, string> Normalise(Dictionary<string, string> changes)
    {
        var result = new Dictionary<string, string>(changes, StringComparer.Ordinal);
        if (result.TryGetValue("tags", out var tags))
        {
            var list = tags.Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries);
            var bad = list.FirstOrDefault(t => !Tag().IsMatch(t));
            if (bad is not null) throw PveError.BadParameter("tags", $"invalid format - invalid characters in tag '{bad}'\n");
            // PVE lowercases, de-duplicates and sorts tags when it writes them.
            result["tags"] = string.Join(';', list.Select(t => t.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal));
        }
        if (result.TryGetValue("sshkeys", out var keys) && !UrlEncoded().IsMatch(keys))
        {
            throw PveError.BadParameter("sshkeys", $"invalid format - invalid urlencoded string: {keys}\n");
        }
        return result;
    }

    /// <summary>sshkeys is stored percent-encoded; cloud-init gets it decoded ('+' stays '+', unlike a form body).</summary>
    public static string DecodeSshKeys(string stored) => Uri.UnescapeDataString(stored);

    [GeneratedRegex(@"^[a-z0-9_][a-z0-9_+.\-]*$", RegexOptions.IgnoreCase)]
    private static partial Regex Tag();

    [GeneratedRegex(@"^[-%a-zA-Z0-9_.!~*'()]*$")]
    private static partial Regex UrlEncoded();
}
