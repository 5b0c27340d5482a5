using Harness.Configuration;
using Harness.Pve;
using Harness.Remote;

namespace Harness.Testbeds.Proxmox;

/// <summary>
/// Every kind of request a run with these settings sends, with the names and values it would use, built by the same
/// builders the client and the provisioner use. <c>doctor</c> checks them against the node's own schema before a run.
/// </summary>
public static class ProxmoxRequestCatalogue
{
    /// <summary>Shaped like a real run id (time stamp and random part); only its shape matters to the schema.</summary>
    private const string SampleRunId = "20260101-000000-0a1b2c";

    public static IReadOnlyList<(string Purpose, PveRequest Request)> Build(PveOptions pve)
    {
        var key = SshKeyPair.Create("doctor").PublicKey;
        var vmid = pve.VmidRange?.First ?? 100;
        var list = new List<(string, PveRequest)>
        {
            ("PVE version", PveRequests.Version()),
            ("next free VMID", PveRequests.NextId()),
            ("is a VMID free", PveRequests.IdFree(vmid)),
            ("guests and templates, reaping", PveRequests.Guests()),
        };
        foreach (var node in pve.Nodes)
        {
            list.Add(($"facts of node {node}", PveRequests.NodeStatus(node)));
            list.Add(($"storages of node {node} (doctor)", PveRequests.Storages(node)));
            list.Add(($"bridges of node {node} (doctor)", PveRequests.Network(node)));
            var guest = new PveGuestRef(node, pve.Kind, vmid);
            var name = GuestTags.GuestName(SampleRunId, "S1");
            if (pve.Kind == PveGuestKind.Vm)
            {
                foreach (var template in pve.TemplateIds)
                {
                    var source = new PveGuestRef(pve.Nodes[0], PveGuestKind.Vm, template);
                    list.Add(($"template {template} config", PveRequests.GetConfig(source)));
                    list.Add(($"clone of template {template} to node {node}", PveRequests.Clone(source, GuestConfig.Clone(pve, vmid, name, node))));
                }
                list.Add(("config of a new VM", PveRequests.SetConfig(guest, GuestConfig.Vm(pve, SampleRunId, key))));
            }
            else list.Add(($"create of a container on node {node}", PveRequests.CreateContainer(node, GuestConfig.Container(pve, SampleRunId, vmid, name, key))));
            list.Add(("start", PveRequests.Start(guest)));
            list.Add(("address of a guest", PveRequests.Interfaces(guest)));
            list.Add(("guest status and host-side samples", PveRequests.Status(guest)));
            list.Add(("guest config (facts, ownership)", PveRequests.GetConfig(guest)));
            list.Add(("CPU weight of a fair-share row", PveRequests.SetConfig(guest, ProxmoxCpuWeights.Request(200))));
            list.Add(("stop", PveRequests.Stop(guest)));
            list.Add(("destroy", PveRequests.Destroy(guest)));
            var user = pve.TokenId.Split('!')[0];
            list.Add(("task status", PveRequests.TaskStatus($"UPID:{node}:0000ABCD:00012345:6560F00D:qmclone:{vmid}:{user}:")));
        }
        list.Add(("token privileges (doctor)", PveRequests.Permissions("/vms")));
        return list;
    }
}
