using System.Text.RegularExpressions;

namespace Harness.Configuration;

/// <summary>The Proxmox settings and the shapes PVE accepts for their values.</summary>
public sealed partial record PveOptions
{
    /// <summary>Every setting: name (without the HARNESS_ prefix), meaning, default. Mirrors the docs/proxmox.md table.</summary>
    public static readonly IReadOnlyList<(string Name, string Meaning, string Default)> Settings =
    [
        ("PVE_URL", "Proxmox VE API URL of one node, https://HOST:8006", "(required)"),
        ("PVE_NODES", "comma-separated node names the guests are spread over (round robin)", "(required)"),
        ("PVE_TOKEN_ID", "API token id, user@realm!tokenname", "(required)"),
        ("PVE_TOKEN_SECRET", "API token secret (environment only, never printed)", "(required)"),
        ("PVE_FINGERPRINT", "SHA-256 fingerprint AA:BB:... of the node's TLS certificate (pvenode cert info); unset = normal CA validation", "(none)"),
        ("PVE_GUEST_KIND", "vm or lxc", "vm"),
        ("PVE_TEMPLATE", "vm: comma-separated template VMIDs; lxc: container template volume id, e.g. local:vztmpl/harness-guest.tar.zst", "(required)"),
        ("PVE_STORAGE", "storage for full clones (vm) or root disks (lxc)", "(template's; lxc: required)"),
        ("PVE_BRIDGE", "bridge of the guest's first NIC", "(template's; lxc: vmbr0)"),
        ("PVE_CLONE_MODE", "linked or full (vm)", "linked"),
        ("PVE_VMID_RANGE", "VMIDs to use, FIRST-LAST", "(ask /cluster/nextid)"),
        ("PVE_CORES", "vCPUs per guest", "1"),
        ("PVE_MEMORY_MIB", "memory per guest, MiB", "1024"),
        ("PVE_CPULIMIT", "cpulimit per guest in host cores, 0 = none", "0"),
        ("PVE_CPUUNITS", "cpuunits (CPU weight) per guest", "100"),
        ("PVE_SSH_USER", "user cloud-init creates and the harness logs in as", "root"),
        ("PVE_DISK_GIB", "lxc root disk size, GiB", "4"),
        ("PVE_TASK_TIMEOUT_SECONDS", "longest wait for one PVE task (clone, start, stop, destroy)", "300"),
        ("PVE_BOOT_TIMEOUT_SECONDS", "longest wait from start until the guest answers SSH", "300"),
        ("PVE_CLONE_CONCURRENCY", "clones in flight at once, 1 or 2", "1"),
    ];

    [GeneratedRegex(@"^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?$")]
    private static partial Regex NodeName();

    [GeneratedRegex(@"^[^\s@!=]+@[^\s@!=]+![A-Za-z][A-Za-z0-9\.\-_]+$")]
    private static partial Regex TokenIdPattern();

    [GeneratedRegex(@"^([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}$")]
    private static partial Regex FingerprintPattern();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9\-_.]*:vztmpl/[^\s/]+$")]
    private static partial Regex VolumeId();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9\-_.]*$")]
    private static partial Regex StorageId();

    [GeneratedRegex(@"^[a-z_][a-z0-9_\-]*$")]
    private static partial Regex UserName();
}
