using Harness.Configuration;

namespace Harness.Pve;

/// <summary>A guest's address in the API: node, kind and VMID. The node matters; PVE answers 500 on the wrong one.</summary>
public sealed record PveGuestRef(string Node, PveGuestKind Kind, int VmId)
{
    /// <summary>API path segment: qemu or lxc.</summary>
    public string KindSegment => Kind == PveGuestKind.Vm ? "qemu" : "lxc";

    public string Path => $"nodes/{Uri.EscapeDataString(Node)}/{KindSegment}/{VmId}";

    public override string ToString() => $"{(Kind == PveGuestKind.Vm ? "vm" : "ct")} {VmId} on node {Node}";
}

public sealed record PveVersionInfo(string Version, string Release, string RepoId);

/// <summary>GET /nodes/{node}/status. Cpu is the share of all the node's CPUs busy since the API worker that answered last computed it.</summary>
public sealed record PveNodeStatus(string Node, string? PveVersion, string? KernelVersion, string? CpuModel, int CpuCount, int CpuCores, int CpuSockets, long MemoryTotalBytes, double Cpu = double.NaN);

/// <summary>
/// status/current of a guest. Cpu is the share of its own vCPUs (1.0 = all busy); memory in bytes; Pressure only
/// from PVE 9 on.
/// </summary>
public sealed record PveGuestStatus(
    string Status, double Cpu, int Cpus, long Mem, long MaxMem, string? Lock, string? Tags, string? RunningQemu, PvePressure? Pressure = null)
{
    public bool IsRunning => Status == "running";
}

/// <summary>One entry of /cluster/resources?type=vm.</summary>
public sealed record PveClusterGuest(string Node, PveGuestKind Kind, int VmId, string? Name, string Status, bool Template, IReadOnlyList<string> Tags)
{
    public PveGuestRef Ref => new(Node, Kind, VmId);
}

public sealed record PveIpAddress(string Address, string Type, int Prefix);

public sealed record PveNetworkInterface(string Name, IReadOnlyList<PveIpAddress> Addresses);

/// <summary>Task status; <see cref="ExitStatus"/> only once stopped.</summary>
public sealed record PveTaskStatus(string Upid, string Status, string? ExitStatus)
{
    public bool IsRunning => Status == "running";

    /// <summary>PVE's own rule: OK, or warnings only.</summary>
    public bool Succeeded => !IsRunning && ExitStatus is { } e && (e == "OK" || e.StartsWith("WARNINGS: ", StringComparison.Ordinal));
}

/// <summary>What a clone should produce; VM and LXC take slightly different names.</summary>
public sealed record PveCloneRequest(int NewId, string Name, bool Full, string? TargetNode, string? Storage);

/// <summary>LXC create from a template archive (the only way to hand a CT an SSH key through the API).</summary>
public sealed record PveContainerCreateRequest(
    int VmId, string Hostname, string OsTemplate, string Storage, int DiskGiB, string Bridge, string SshPublicKeys,
    IReadOnlyDictionary<string, string> Config);

/// <summary>PVE 9's pressure* fields of a guest: its cgroup's PSI avg10 ("some" and "full"), percent of the last 10 s.</summary>
public sealed record PvePressure(double CpuSome, double CpuFull, double MemorySome, double MemoryFull, double IoSome, double IoFull);
