using System.Text.RegularExpressions;
using Harness.Configuration;
using Harness.Pve;

namespace Harness.Testbeds.Proxmox.Doctor;

/// <summary>What the cluster must have: the template (a template, with a cloud-init drive and the agent on), storages and the bridge.</summary>
internal static partial class DoctorClusterChecks
{
    /// <summary>Storage types that make linked clones of any disk; file storages do it for qcow2 disks only.</summary>
    private static readonly string[] LinkedAlways = ["lvmthin", "zfspool", "zfs", "rbd", "btrfs"];

    private static readonly string[] LinkedQcow2 = ["dir", "nfs", "cifs", "glusterfs", "cephfs"];

    public sealed record TemplateFacts(string? DiskStorage, string? Bridge);

    public static async Task<(List<DoctorFinding> Findings, TemplateFacts Facts)> TemplatesAsync(PveClient client, PveOptions pve, CancellationToken cancellationToken)
    {
        var findings = new List<DoctorFinding>();
        string? diskStorage = null, bridge = null;
        foreach (var t in await ProxmoxTemplates.LookUpAsync(client, pve, cancellationToken).ConfigureAwait(false))
        {
            var check = $"template {t.VmId}";
            if (t.IsContainer || t.Config is null)
            {
                findings.Add(new(check, DoctorStatus.Blocking, t.IsContainer ? "is a container, not a VM" : "does not exist on any of the nodes (or the token lacks VM.Audit)",
                    "build it with ci/pve/build-template.sh on a node and set HARNESS_PVE_TEMPLATE to its VMID"));
                continue;
            }
            var c = t.Config;
            var problems = new List<(string, string)>();
            if (!t.IsTemplate && !pve.FullClone) problems.Add(("is not a template, and linked clones need one", $"qm template {t.VmId}, or HARNESS_PVE_CLONE_MODE=full"));
            if (!c.Any(kv => Disk().IsMatch(kv.Key) && kv.Value.Contains("cloudinit", StringComparison.Ordinal)))
            {
                problems.Add(("has no cloud-init drive, so the run's SSH key never reaches a clone", $"qm set {t.VmId} --ide2 <storage>:cloudinit"));
            }
            var agent = c.GetValueOrDefault("agent") ?? "0";
            if (!(agent == "1" || agent.StartsWith("1,", StringComparison.Ordinal) || agent.Contains("enabled=1", StringComparison.Ordinal)))
            {
                problems.Add(("has the guest agent off, so a clone's address cannot be learnt", $"qm set {t.VmId} --agent 1 (and install qemu-guest-agent in the image)"));
            }
            foreach (var (what, fix) in problems) findings.Add(new(check, DoctorStatus.Blocking, what, fix));
            if (problems.Count == 0) findings.Add(new(check, DoctorStatus.Ok, $"on node {t.Node}: a template with a cloud-init drive and the agent on"));

            var disk = c.Where(kv => Disk().IsMatch(kv.Key) && !kv.Value.Contains("cloudinit", StringComparison.Ordinal) && !kv.Value.Contains("media=cdrom", StringComparison.Ordinal))
                .Select(kv => kv.Value.Split(',')[0]).FirstOrDefault();
            diskStorage ??= disk?.Split(':')[0];
            bridge ??= c.GetValueOrDefault("net0") is { } net0 ? BridgeOf().Match(net0) is { Success: true } m ? m.Groups[1].Value : null : null;
            if (!pve.FullClone && disk is not null && t.Node is not null) findings.Add(await LinkedCloneAsync(client, t.VmId, t.Node, disk, cancellationToken).ConfigureAwait(false));
        }
        return (findings, new TemplateFacts(diskStorage, bridge));
    }

    private static async Task<DoctorFinding> LinkedCloneAsync(PveClient client, int vmid, string node, string disk, CancellationToken cancellationToken)
    {
        var storageId = disk.Split(':')[0];
        var storage = (await client.GetStoragesAsync(node, cancellationToken).ConfigureAwait(false)).FirstOrDefault(s => s.Id == storageId);
        var check = $"linked clones of template {vmid}";
        if (storage is null) return new(check, DoctorStatus.Blocking, $"its disk is on storage '{storageId}', which node {node} does not list", "check the storage in Datacenter > Storage");
        var ok = LinkedAlways.Contains(storage.Type) || LinkedQcow2.Contains(storage.Type) && disk.EndsWith(".qcow2", StringComparison.Ordinal);
        return ok
            ? new(check, DoctorStatus.Ok, $"storage {storageId} ({storage.Type}) makes linked clones")
            : new(check, DoctorStatus.Blocking, $"storage {storageId} ({storage.Type}) cannot make linked clones of {disk}",
                "set HARNESS_PVE_CLONE_MODE=full (with HARNESS_PVE_STORAGE), or move the template's disk to LVM-thin, ZFS, Ceph RBD or qcow2 on a directory");
    }

    /// <summary>Storages the settings name, on every node, with the content they must allow.</summary>
    public static async Task<List<DoctorFinding>> StoragesAsync(PveClient client, PveOptions pve, CancellationToken cancellationToken)
    {
        var wanted = new List<(string Id, string Content, string Setting)>();
        if (pve.Kind == PveGuestKind.Lxc)
        {
            if (pve.Storage is { } root) wanted.Add((root, "rootdir", "HARNESS_PVE_STORAGE"));
            if (pve.OsTemplate?.Split(':')[0] is { } archive) wanted.Add((archive, "vztmpl", "HARNESS_PVE_TEMPLATE"));
        }
        else if (pve.FullClone && pve.Storage is { } target) wanted.Add((target, "images", "HARNESS_PVE_STORAGE"));
        var findings = new List<DoctorFinding>();
        foreach (var node in pve.Nodes)
        {
            var storages = await client.GetStoragesAsync(node, cancellationToken).ConfigureAwait(false);
            foreach (var (id, content, setting) in wanted)
            {
                // One storage may serve two purposes (root disks and the archive): the check names the one it is about.
                var check = $"storage {id} on {node} for '{content}' ({setting})";
                var s = storages.FirstOrDefault(x => x.Id == id);
                findings.Add(s is null ? new(check, DoctorStatus.Blocking, "not available on this node", $"check {setting}, or enable the storage for node {node}")
                    : !s.Content.Contains(content) ? new(check, DoctorStatus.Blocking, $"does not allow content '{content}' (has {string.Join(",", s.Content)})", $"add '{content}' to the storage's content (Datacenter > Storage > Edit)")
                    : new(check, DoctorStatus.Ok, $"{s.Type}, content {string.Join(",", s.Content)}"));
            }
        }
        return findings;
    }

    public static async Task<List<DoctorFinding>> BridgeAsync(PveClient client, PveOptions pve, string? bridge, CancellationToken cancellationToken)
    {
        if (bridge is null) return [new("bridge", DoctorStatus.Skipped, "no HARNESS_PVE_BRIDGE and no bridge in the template's net0")];
        var findings = new List<DoctorFinding>();
        foreach (var node in pve.Nodes)
        {
            var bridges = await client.GetBridgesAsync(node, cancellationToken).ConfigureAwait(false);
            findings.Add(bridges.Contains(bridge)
                ? new($"bridge {bridge} on {node}", DoctorStatus.Ok, "exists")
                : new($"bridge {bridge} on {node}", DoctorStatus.Blocking, $"missing (the node has {(bridges.Count == 0 ? "none" : string.Join(", ", bridges))})",
                    "set HARNESS_PVE_BRIDGE to a bridge every node has, or create it (System > Network)"));
        }
        return findings;
    }

    [GeneratedRegex(@"^(ide|sata|scsi|virtio)\d+$")]
    private static partial Regex Disk();

    [GeneratedRegex(@"(?:^|,)bridge=([^,]+)")]
    private static partial Regex BridgeOf();
}
