namespace Harness.Pve;

/// <summary>
/// The PVE API calls the harness makes, typed. Shaped after Corsinvest.ProxmoxVE.Api's navigation
/// (<c>Nodes[n].Qemu[id].Clone.CloneVm(...)</c> and so on) so an adapter over that client could replace <see cref="PveClient"/>.
/// Long operations return the task's UPID; wait for it with <see cref="PveTasks.WaitAsync"/>.
/// Every failure is a <see cref="PveApiException"/> carrying PVE's error text.
/// </summary>
public interface IPveClient : IDisposable
{
    /// <summary>GET /version</summary>
    Task<PveVersionInfo> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary>GET /nodes/{node}/status</summary>
    Task<PveNodeStatus> GetNodeStatusAsync(string node, CancellationToken cancellationToken);

    /// <summary>GET /cluster/nextid (?vmid=N). With a candidate: true when it is free; PVE answers 400 when it is taken.</summary>
    Task<int> GetNextIdAsync(CancellationToken cancellationToken);

    Task<bool> IsIdFreeAsync(int vmid, CancellationToken cancellationToken);

    /// <summary>GET /cluster/resources?type=vm</summary>
    Task<IReadOnlyList<PveClusterGuest>> GetGuestsAsync(CancellationToken cancellationToken);

    /// <summary>POST /nodes/{node}/{qemu|lxc}/{vmid}/clone → UPID. Sent once: after a lost answer (<see cref="PveApiException.IsAmbiguous"/>) the clone may exist.</summary>
    Task<string> CloneAsync(PveGuestRef source, PveCloneRequest request, CancellationToken cancellationToken);

    /// <summary>POST /nodes/{node}/lxc → UPID. Sent once, like a clone.</summary>
    Task<string> CreateContainerAsync(string node, PveContainerCreateRequest request, CancellationToken cancellationToken);

    /// <summary>PUT /nodes/{node}/{qemu|lxc}/{vmid}/config (synchronous).</summary>
    Task SetConfigAsync(PveGuestRef guest, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken);

    /// <summary>GET /nodes/{node}/{qemu|lxc}/{vmid}/config</summary>
    Task<IReadOnlyDictionary<string, string>> GetConfigAsync(PveGuestRef guest, CancellationToken cancellationToken);

    /// <summary>GET .../status/current</summary>
    Task<PveGuestStatus> GetStatusAsync(PveGuestRef guest, CancellationToken cancellationToken);

    /// <summary>POST .../status/start → UPID</summary>
    Task<string> StartAsync(PveGuestRef guest, CancellationToken cancellationToken);

    /// <summary>POST .../status/stop (hard off) → UPID</summary>
    Task<string> StopAsync(PveGuestRef guest, CancellationToken cancellationToken);

    /// <summary>DELETE /nodes/{node}/{qemu|lxc}/{vmid}?purge=1&amp;destroy-unreferenced-disks=1 → UPID</summary>
    Task<string> DestroyAsync(PveGuestRef guest, CancellationToken cancellationToken);

    /// <summary>VM: GET .../agent/network-get-interfaces; LXC: GET .../interfaces.</summary>
    Task<IReadOnlyList<PveNetworkInterface>> GetInterfacesAsync(PveGuestRef guest, CancellationToken cancellationToken);

    /// <summary>GET /nodes/{upid node}/tasks/{upid}/status</summary>
    Task<PveTaskStatus> GetTaskStatusAsync(string upid, CancellationToken cancellationToken);
}
