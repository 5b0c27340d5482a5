using Harness.Configuration;
using Harness.Pve;

namespace Harness.Testbeds.Proxmox;

/// <summary>Finds the configured VM templates and checks them by their own config.</summary>
internal static class ProxmoxTemplates
{
    /// <summary>One template as the cluster has it: where it is, its config (null when it does not exist), and whether it is a container.</summary>
    public sealed record Found(int VmId, string? Node, bool IsContainer, IReadOnlyDictionary<string, string>? Config)
    {
        public bool IsTemplate => Config?.GetValueOrDefault("template") == "1";

        public PveClusterGuest? AsGuest => Node is null || Config is null
            ? null
            : new PveClusterGuest(Node, PveGuestKind.Vm, VmId, Config.GetValueOrDefault("name"), "stopped", IsTemplate, []);
    }

    /// <summary>The templates to clone from, or a configuration error naming each one that is missing or no template.</summary>
    public static async Task<IReadOnlyList<PveClusterGuest>> FindAsync(IPveClient client, PveOptions pve, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var found = new List<PveClusterGuest>();
        foreach (var t in await LookUpAsync(client, pve, cancellationToken).ConfigureAwait(false))
        {
            if (t.IsContainer) problems.Add($"HARNESS_PVE_TEMPLATE: {t.VmId} is a container; for HARNESS_PVE_GUEST_KIND=vm use a VM template.");
            else if (t.AsGuest is not { } g) problems.Add($"HARNESS_PVE_TEMPLATE: VMID {t.VmId} does not exist in the cluster (or the token may not see it: VM.Audit). Build the template as docs/proxmox.md shows and set its VMID.");
            else if (!t.IsTemplate && !pve.FullClone) problems.Add($"HARNESS_PVE_TEMPLATE: VM {t.VmId} is not a template, and linked clones need one. Convert it ('qm template {t.VmId}') or set HARNESS_PVE_CLONE_MODE=full.");
            else found.Add(g);
        }
        if (problems.Count > 0) throw new HarnessConfigurationException(problems);
        return found;
    }

    /// <summary>
    /// Each configured template: its node from /cluster/resources (or, when that does not list it yet, each configured
    /// node in turn), and whether it is a template from its config. pvestatd refreshes /cluster/resources about every
    /// 10 s, so a template made a moment ago can be missing there or shown without its flag.
    /// </summary>
    public static async Task<IReadOnlyList<Found>> LookUpAsync(IPveClient client, PveOptions pve, CancellationToken cancellationToken)
    {
        var all = await client.GetGuestsAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<Found>();
        foreach (var id in pve.TemplateIds)
        {
            var listed = all.FirstOrDefault(g => g.VmId == id);
            if (listed is { Kind: PveGuestKind.Lxc })
            {
                result.Add(new Found(id, listed.Node, true, null));
                continue;
            }
            Found? hit = null;
            foreach (var node in listed is not null ? [listed.Node] : pve.Nodes)
            {
                try
                {
                    var config = await client.GetConfigAsync(new PveGuestRef(node, PveGuestKind.Vm, id), cancellationToken).ConfigureAwait(false);
                    hit = new Found(id, node, false, config);
                    break;
                }
                catch (PveApiException e) when (e.IsDoesNotExist)
                {
                    // not on this node
                }
            }
            result.Add(hit ?? new Found(id, null, false, null));
        }
        return result;
    }
}
