using System.Globalization;
using Harness.Configuration;
using Harness.Pve;

namespace Harness.Testbeds.Proxmox;

/// <summary>What the harness writes into a guest's config, from the settings: one place for the provisioner and for <c>doctor</c>'s request list.</summary>
internal static class GuestConfig
{
    /// <summary>
    /// The run's guest settings with one guest's own size from its scenarios: whole cores enough for its CPUs, and a
    /// cpulimit of exactly that when they are a fraction (0.5 → 1 core, cpulimit 0.5; 2 → 2 cores, no cpulimit).
    /// </summary>
    public static PveOptions Sized(PveOptions pve, Scenarios.GuestSize size)
    {
        var sized = pve;
        if (size.Cpus is { } cpus)
        {
            var cores = (int)Math.Ceiling(cpus - 1e-9);
            sized = sized with { Cores = cores, CpuLimit = cpus < cores ? cpus : 0 };
        }
        if (size.MemoryMiB is { } mib) sized = sized with { MemoryMiB = (int)mib };
        return sized;
    }

    public static Dictionary<string, string> Common(PveOptions pve, string runId)
    {
        var c = new Dictionary<string, string>
        {
            ["cores"] = pve.Cores.ToString(CultureInfo.InvariantCulture),
            ["memory"] = pve.MemoryMiB.ToString(CultureInfo.InvariantCulture),
            ["cpuunits"] = pve.CpuUnits.ToString(CultureInfo.InvariantCulture),
            ["tags"] = GuestTags.For(runId),
        };
        if (pve.CpuLimit > 0) c["cpulimit"] = pve.CpuLimit.ToString(CultureInfo.InvariantCulture);
        return c;
    }

    /// <summary>The config PUT of a fresh VM clone, before its first start.</summary>
    public static Dictionary<string, string> Vm(PveOptions pve, string runId, string publicKey)
    {
        var c = Common(pve, runId);
        c["balloon"] = "0"; // fixed memory: a RAM % target must mean the configured RAM
        c["agent"] = "1";
        c["ciuser"] = pve.SshUser;
        // PVE wants sshkeys percent-encoded with %20 for spaces (its 'urlencoded' format); the form body encodes it once more.
        c["sshkeys"] = Uri.EscapeDataString(publicKey);
        c["ciupgrade"] = "0";
        c["ipconfig0"] = "ip=dhcp";
        c["onboot"] = "0";
        if (pve.Bridge is { } bridge) c["net0"] = $"virtio,bridge={bridge}";
        return c;
    }

    /// <summary>The clone of a template to <paramref name="node"/>.</summary>
    public static PveCloneRequest Clone(PveOptions pve, int newId, string name, string node) => new(newId, name, pve.FullClone, node, pve.Storage);

    /// <summary>The create request of a container; its SSH key can only be given here.</summary>
    public static PveContainerCreateRequest Container(PveOptions pve, string runId, int vmid, string hostname, string publicKey) =>
        new(vmid, hostname, pve.OsTemplate!, pve.Storage!, pve.DiskGiB, pve.Bridge ?? "vmbr0", publicKey,
            new Dictionary<string, string>(Common(pve, runId)) { ["swap"] = "0" });
}
