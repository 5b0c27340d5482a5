using System.Globalization;

namespace PveEmulator.Runtime;

/// <summary>
/// One cgroup per VM, as PVE's qemu.slice/VMID.scope, made under the emulator's own cgroup (so a VM started from an
/// emulator under idle-run stays at idle priority relative to the rest of the machine). cgroup v1 and v2.
/// PVE puts cpulimit and cpuunits there (CPUQuota, CPUWeight); a VM's memory is bounded by QEMU's -m, not by the scope.
/// </summary>
public sealed class Cgroups
{
    private const string Root = "/sys/fs/cgroup";
    private readonly string _base;

    public Cgroups()
    {
        IsV2 = File.Exists(Path.Combine(Root, "cgroup.controllers"));
        var own = File.ReadAllLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).ToList();
        var rel = IsV2
            ? own.First(l => l[0] == "0")[2]
            : own.FirstOrDefault(l => l[1].Split(',').Contains("cpu"))?[2] ?? "/";
        _base = $"pve-emu-{Environment.ProcessId}";
        // v2 lets a cgroup either hold processes or hand controllers to children, not both; the emulator's own cgroup
        // holds the emulator, so under v2 the VMs' tree hangs off its parent instead.
        OwnPath = IsV2 ? (Path.GetDirectoryName(rel.TrimEnd('/')) ?? "/").TrimStart('/') : rel.TrimStart('/');
    }

    public bool IsV2 { get; }

    private string OwnPath { get; }

    public string Describe => IsV2 ? "cgroup v2" : "cgroup v1";

    /// <summary>
    /// The cgroup parent of the emulator's containers (docker run --cgroup-parent, cgroupfs driver), beside the VMs'
    /// qemu.slice as PVE's lxc/ tree is: under the emulator's own cgroup, so they keep its (idle) CPU priority.
    /// </summary>
    public string ContainerParent => "/" + string.Join('/', new[] { OwnPath, _base, "lxc" }.Where(p => p.Length > 0));

    /// <summary>At exit, after the containers are gone: the engine made the parent in every v1 hierarchy, not only cpu.</summary>
    public void RemoveContainerParents()
    {
        foreach (var hierarchy in IsV2 ? [Root] : Directory.GetDirectories(Root))
        {
            RemoveTree(Path.Combine(hierarchy, OwnPath, _base, "lxc"));
            try
            {
                var top = Path.Combine(hierarchy, OwnPath, _base);
                if (Directory.Exists(top) && Directory.GetDirectories(top).Length == 0) Directory.Delete(top);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The scope directory of one VM in the CPU hierarchy (v1) or the unified one (v2).</summary>
    public string ScopeDir(int vmid) => IsV2
        ? Path.Combine(Root, OwnPath, _base, "qemu.slice", $"{vmid}.scope")
        : Path.Combine(Root, "cpu", OwnPath, _base, "qemu.slice", $"{vmid}.scope");

    /// <summary>Creates the scope, writes the limits and moves the QEMU process (all its threads) into it.</summary>
    public void Enter(int vmid, int pid, double cpulimit, int? cpuunits)
    {
        var dir = ScopeDir(vmid);
        if (IsV2)
        {
            // v2 delegates a controller to children only when each parent lists it in cgroup.subtree_control.
            var parent = Path.Combine(Root, OwnPath);
            foreach (var level in new[] { _base, "qemu.slice" })
            {
                TryWrite(Path.Combine(parent, "cgroup.subtree_control"), "+cpu +memory +io");
                parent = Path.Combine(parent, level);
                Directory.CreateDirectory(parent);
            }
            TryWrite(Path.Combine(parent, "cgroup.subtree_control"), "+cpu +memory +io");
        }
        Directory.CreateDirectory(dir);
        Apply(vmid, cpulimit, cpuunits);
        File.WriteAllText(Path.Combine(dir, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
    }

    public void Apply(int vmid, double cpulimit, int? cpuunits)
    {
        var dir = ScopeDir(vmid);
        if (!Directory.Exists(dir)) return;
        try
        {
            Write(dir, cpulimit, cpuunits);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PveError(500, $"unable to apply cpulimit/cpuunits to {dir}: {e.Message}");
        }
    }

    private void Write(string dir, double cpulimit, int? cpuunits)
    {
        const int period = 100_000;
        var quota = cpulimit > 0 ? ((long)Math.Round(cpulimit * period)).ToString(CultureInfo.InvariantCulture) : null;
        if (IsV2)
        {
            File.WriteAllText(Path.Combine(dir, "cpu.max"), $"{quota ?? "max"} {period}");
            // PVE writes cpuunits as the weight itself (default 100 under v2).
            File.WriteAllText(Path.Combine(dir, "cpu.weight"), (cpuunits ?? 100).ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            File.WriteAllText(Path.Combine(dir, "cpu.cfs_period_us"), period.ToString(CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(dir, "cpu.cfs_quota_us"), quota ?? "-1");
            // Under v1 PVE writes cpuunits to cpu.shares, default 1024.
            File.WriteAllText(Path.Combine(dir, "cpu.shares"), (cpuunits ?? 1024).ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>PVE 9's pressure fields: avg10 of the scope's PSI files (v2 only; v1 has no per-cgroup PSI).</summary>
    public Dictionary<string, double> Pressure(int vmid)
    {
        var result = new Dictionary<string, double>();
        if (!IsV2) return result;
        foreach (var what in new[] { "cpu", "io", "memory" })
        {
            var file = Path.Combine(ScopeDir(vmid), $"{what}.pressure");
            if (!File.Exists(file)) continue;
            foreach (var line in File.ReadAllLines(file))
            {
                var parts = line.Split(' ');
                var avg10 = parts.FirstOrDefault(p => p.StartsWith("avg10=", StringComparison.Ordinal));
                if (avg10 is not null && double.TryParse(avg10[6..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                {
                    result[$"pressure{what}{parts[0]}"] = v;
                }
            }
        }
        return result;
    }

    /// <summary>Removes a VM's scope once its process is gone (rmdir fails while a process is still inside).</summary>
    public void Remove(int vmid)
    {
        try
        {
            var dir = ScopeDir(vmid);
            if (Directory.Exists(dir)) Directory.Delete(dir);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>At exit: the per-emulator tree, bottom up.</summary>
    public void RemoveAll() => RemoveTree(IsV2 ? Path.Combine(Root, OwnPath, _base) : Path.Combine(Root, "cpu", OwnPath, _base));

    /// <summary>At start: trees of emulators killed outright (kill -9 leaves them; their QEMU died with them).</summary>
    public void RemoveStale()
    {
        // Containers' parents exist in every v1 hierarchy (the engine makes them), VMs' scopes in cpu only.
        foreach (var hierarchy in IsV2 ? [Root] : Directory.GetDirectories(Root))
        {
            var parent = Path.Combine(hierarchy, OwnPath);
            foreach (var dir in Directory.Exists(parent) ? Directory.GetDirectories(parent, "pve-emu-*") : [])
            {
                if (int.TryParse(Path.GetFileName(dir)["pve-emu-".Length..], out var pid) && !Directory.Exists($"/proc/{pid}")) RemoveTree(dir);
            }
        }
    }

    private static void RemoveTree(string top)
    {
        if (!Directory.Exists(top)) return;
        foreach (var d in Directory.GetDirectories(top, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
        {
            try
            {
                Directory.Delete(d);
            }
            catch (IOException)
            {
            }
        }
        try
        {
            Directory.Delete(top);
        }
        catch (IOException)
        {
        }
    }

    private static void TryWrite(string file, string text)
    {
        foreach (var controller in text.Split(' '))
        {
            try
            {
                File.WriteAllText(file, controller);
            }
            catch (IOException)
            {
                // Not available at this level (or the level holds processes itself): that limit is then not applied.
            }
        }
    }
}
