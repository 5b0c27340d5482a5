using System.Globalization;

namespace Harness.Configuration;

/// <summary>Kind of guest the Proxmox backend provisions.</summary>
public enum PveGuestKind
{
    /// <summary>QEMU/KVM virtual machine, cloned from a cloud-init template.</summary>
    Vm,

    /// <summary>LXC container, created from a container template archive.</summary>
    Lxc,
}

/// <summary>
/// Settings of the Proxmox VE backend, validated before anything is created. Read from <c>HARNESS_PVE_*</c>
/// (and the <c>RUNSETTINGS_HARNESS_PVE_*</c> layer, the environment wins), like <see cref="OptionsLoader"/>.
/// The token secret comes only from the environment and is never printed: <see cref="ToString"/> leaves it out.
/// </summary>
public sealed record PveOptions
{
    public const string SecretVariable = OptionsLoader.EnvPrefix + "PVE_TOKEN_SECRET";

    /// <summary>Base URL of one node's API, e.g. https://pve1.example:8006 (the /api2/json suffix is optional).</summary>
    public required Uri Url { get; init; }

    /// <summary>Nodes the guests are spread over, round robin.</summary>
    public required IReadOnlyList<string> Nodes { get; init; }

    /// <summary>API token id, <c>user@realm!name</c>.</summary>
    public required string TokenId { get; init; }

    /// <summary>The token's secret (a UUID). Environment only; never logged.</summary>
    public required string TokenSecret { get; init; }

    /// <summary>SHA-256 fingerprint of the node's TLS certificate, <c>AA:BB:…</c>; null means ordinary chain validation.</summary>
    public string? Fingerprint { get; init; }

    public PveGuestKind Kind { get; init; } = PveGuestKind.Vm;

    /// <summary>VM: VMIDs of cloud-init templates (one per node, or one on shared storage).</summary>
    public IReadOnlyList<int> TemplateIds { get; init; } = [];

    /// <summary>LXC: volume id of the container template archive, e.g. <c>local:vztmpl/harness-guest.tar.zst</c>.</summary>
    public string? OsTemplate { get; init; }

    /// <summary>Storage for full clones (VM) or root disks (LXC); null keeps the template's storage.</summary>
    public string? Storage { get; init; }

    /// <summary>Bridge for the guest's first NIC; null keeps the template's NIC (VM only).</summary>
    public string? Bridge { get; init; }

    public bool FullClone { get; init; }

    /// <summary>Inclusive VMID range to allocate from; null asks the cluster (/cluster/nextid).</summary>
    public (int First, int Last)? VmidRange { get; init; }

    public int Cores { get; init; } = 1;

    public int MemoryMiB { get; init; } = 1024;

    /// <summary>PVE cpulimit (host cores); 0 = no limit.</summary>
    public double CpuLimit { get; init; }

    public int CpuUnits { get; init; } = 100;

    /// <summary>User cloud-init creates (VM) and the harness logs in as.</summary>
    public string SshUser { get; init; } = "root";

    /// <summary>LXC root disk size.</summary>
    public int DiskGiB { get; init; } = 4;

    /// <summary>Longest wait for one PVE task (clone, start, stop, destroy).</summary>
    public TimeSpan TaskTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait from start until the guest has an address and answers SSH.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First poll interval for tasks and boot; grows for tasks. Not a setting: tests shorten it.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Clones in flight at once; PVE's storage and config locks make more than 2 fail.</summary>
    public int CloneConcurrency { get; init; } = 1;

    /// <summary>Every setting: name (without the HARNESS_ prefix), meaning, default. Mirrors the docs/proxmox.md table.</summary>
    public static IReadOnlyList<Setting> Settings => Testbeds.Proxmox.ProxmoxSettings.Table;

    public static PveOptions Load() => Load(OptionsLoader.ReadEnvironment());

    /// <summary>The Proxmox settings alone (reap-proxmox needs no harness run); other settings are only checked for typos.</summary>
    public static PveOptions Load(IReadOnlyDictionary<string, string> env)
    {
        var reader = Testbeds.Backends.Reader(env);
        var options = Testbeds.Proxmox.ProxmoxSettings.Load(reader);
        reader.ThrowIfProblems();
        return options;
    }

    /// <summary>CPUs the guest may use: its vCPUs, or fewer when cpulimit caps it.</summary>
    public double EffectiveCpus => CpuLimit > 0 ? Math.Min(Cores, CpuLimit) : Cores;

    /// <summary>Everything but the secret, so options can be logged.</summary>
    public override string ToString() =>
        $"PveOptions {{ Url = {Url}, Nodes = {string.Join(",", Nodes)}, TokenId = {TokenId}, TokenSecret = (hidden), Fingerprint = {Fingerprint ?? "(none)"}, " +
        $"Kind = {Kind}, Template = {(Kind == PveGuestKind.Vm ? string.Join(",", TemplateIds) : OsTemplate)}, Storage = {Storage ?? "(template's)"}, " +
        $"Bridge = {Bridge ?? "(template's)"}, FullClone = {FullClone}, VmidRange = {(VmidRange is { } r ? $"{r.First}-{r.Last}" : "(nextid)")}, " +
        $"Cores = {Cores}, MemoryMiB = {MemoryMiB}, CpuLimit = {CpuLimit.ToString(CultureInfo.InvariantCulture)}, CpuUnits = {CpuUnits} }}";
}
