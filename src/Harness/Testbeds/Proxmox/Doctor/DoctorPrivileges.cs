using Harness.Configuration;
using Harness.Pve;

namespace Harness.Testbeds.Proxmox.Doctor;

/// <summary>The privileges a run needs, per ACL path, for PVE 8 and PVE 9, and the check of the token's own.</summary>
internal static class DoctorPrivileges
{
    /// <summary>One need: any of <paramref name="AnyOf"/> on <paramref name="Path"/>, and what for.</summary>
    public sealed record Need(string Path, IReadOnlyList<string> AnyOf, string Purpose);

    public static IReadOnlyList<Need> For(PveOptions pve, int pveMajor, string? templateStorage, string? bridge)
    {
        var needs = new List<Need>
        {
            new("/vms", ["VM.Allocate"], "new VMIDs: clone or create, and destroy"),
            new("/vms", ["VM.Audit"], "status, config and /cluster/resources"),
            new("/vms", ["VM.PowerMgmt"], "start and stop"),
            new("/vms", ["VM.Config.CPU"], "cores, cpulimit, cpuunits"),
            new("/vms", ["VM.Config.Memory"], "memory (and balloon)"),
            new("/vms", ["VM.Config.Options"], "tags (how leftovers are found), onboot"),
        };
        foreach (var node in pve.Nodes) needs.Add(new($"/nodes/{node}", ["Sys.Audit"], "node facts and task status"));
        if (bridge is not null) needs.Add(new($"/sdn/zones/localnetwork/{bridge}", ["SDN.Use"], $"a NIC on bridge {bridge}"));
        if (pve.Kind == PveGuestKind.Vm)
        {
            foreach (var t in pve.TemplateIds) needs.Add(new($"/vms/{t}", ["VM.Clone"], $"cloning template {t}"));
            needs.Add(new("/vms", ["VM.Config.Cloudinit"], "ciuser, sshkeys, ipconfig0"));
            if (pve.Bridge is not null) needs.Add(new("/vms", ["VM.Config.Network"], "net0"));
            // PVE 9 split the agent out of VM.Monitor (which it removed) into VM.GuestAgent.*.
            needs.Add(pveMajor >= 9
                ? new("/vms", ["VM.GuestAgent.Audit", "VM.GuestAgent.Unrestricted"], "the guest agent's addresses (agent/network-get-interfaces)")
                : new("/vms", ["VM.Monitor"], "the guest agent's addresses (agent/network-get-interfaces)"));
            var storage = pve.FullClone ? pve.Storage ?? templateStorage : templateStorage;
            if (storage is not null) needs.Add(new($"/storage/{storage}", ["Datastore.AllocateSpace"], "the clones' disks and cloud-init drives"));
        }
        else
        {
            needs.Add(new("/vms", ["VM.Config.Disk"], "the containers' root disks"));
            needs.Add(new("/vms", ["VM.Config.Network"], "net0"));
            if (pve.Storage is { } root) needs.Add(new($"/storage/{root}", ["Datastore.AllocateSpace"], "the containers' root disks"));
            if (pve.OsTemplate?.Split(':')[0] is { } archive)
            {
                needs.Add(new($"/storage/{archive}", ["Datastore.AllocateSpace", "Datastore.Audit"], $"reading the template archive {pve.OsTemplate}"));
            }
        }
        return needs;
    }

    public static async Task<IReadOnlyList<DoctorFinding>> CheckAsync(
        PveClient client, PveOptions pve, int pveMajor, IReadOnlyList<Need> needs, CancellationToken cancellationToken)
    {
        var findings = new List<DoctorFinding>();
        var held = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var path in needs.Select(n => n.Path).Distinct())
        {
            held[path] = await client.GetPrivilegesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        var missing = needs.Where(n => !n.AnyOf.Any(held[n.Path].Contains)).ToList();
        foreach (var n in missing)
        {
            var wanted = string.Join(" or ", n.AnyOf);
            var upgrade = pveMajor >= 9 && n.AnyOf.Contains("VM.GuestAgent.Audit")
                ? " PVE 9 has no VM.Monitor: an upgrade from PVE 8 drops it from custom roles, and agent calls then answer 403."
                : "";
            findings.Add(new DoctorFinding($"privilege {wanted} on {n.Path}", DoctorStatus.Blocking,
                $"the token {pve.TokenId} lacks it; needed for {n.Purpose}.{upgrade}",
                $"pveum role modify <the token's role> --append 1 --privs {n.AnyOf[0]}, and make sure an ACL on {n.Path} (or a parent, propagated) gives that role to the token (docs/proxmox.md, section 2)"));
        }
        var total = needs.Select(n => $"{n.Path} {string.Join("|", n.AnyOf)}").Distinct().Count();
        if (missing.Count == 0) findings.Add(new DoctorFinding("token privileges", DoctorStatus.Ok, $"{total} privileges held on {held.Count} paths (PVE {pveMajor} names)"));
        return findings;
    }
}
