using System.Globalization;
using System.Text.RegularExpressions;

namespace PveEmulator;

/// <summary>
/// The /nodes/{node}/lxc… endpoints: create from a template archive, config, and the routing of the rest (power,
/// status, destroy, interfaces: PveApi.LxcPower.cs). Rules from pve-container's PVE::API2::LXC and PVE::LXC.
/// </summary>
public sealed partial class PveApi
{
    /// <summary>Parameters create_vm takes out before check_ct_modify_config_perm sees the rest.</summary>
    private static readonly HashSet<string> CreateOnly =
    [
        "node", "vmid", "ignore-unpack-errors", "bwlimit", "start", "ha-managed", "unprivileged", "restore", "unique", "force", "password",
        "ssh-public-keys", "pool", "ostemplate", "storage",
    ];

    private async Task<object?> ContainerAsync(ApiCall call, int vmid, string rest)
    {
        var acl = $"/vms/{vmid}";
        switch (call.Method, rest)
        {
            case ("GET", "/config"):
            {
                Need(acl, "VM.Audit");
                var g = Store.Get(options.Node, "lxc", vmid);
                lock (Store.Gate)
                {
                    var c = g.Config.ToDictionary(k => k.Key, k => (object?)k.Value);
                    c["digest"] = g.Digest();
                    return c;
                }
            }
            case ("PUT", "/config"):
                return await SetContainerConfigAsync(call, vmid).ConfigureAwait(false);
            case ("GET", "/status/current"):
                Need(acl, "VM.Audit");
                return ContainerStatus(Store.Get(options.Node, "lxc", vmid));
            case ("POST", "/status/start"):
                Need(acl, "VM.PowerMgmt");
                return StartContainer(call, Store.Get(options.Node, "lxc", vmid));
            case ("POST", "/status/stop" or "/status/shutdown"):
                Need(acl, "VM.PowerMgmt");
                return StopContainer(call, Store.Get(options.Node, "lxc", vmid), graceful: rest == "/status/shutdown");
            case ("DELETE", ""):
                Need(acl, "VM.Allocate");
                return DestroyContainer(call, Store.Get(options.Node, "lxc", vmid));
            case ("GET", "/interfaces"):
                Need(acl, "VM.Audit");
                // get_interfaces reads no config: a stopped (or absent) container is simply no pid, answered null.
                return Store.Find(vmid) is { Kind: "lxc" } ct ? await Containers.InterfacesAsync(ct, call.Aborted).ConfigureAwait(false) : null;
            default:
                throw new PveError(501, $"Method '{call.Method} /{call.Path}' not implemented");
        }
    }

    /// <summary>POST /nodes/{node}/lxc: create_vm (not restore), in its order of checks.</summary>
    private string CreateContainer(ApiCall call)
    {
        if (!call.P.TryGetValue("vmid", out var idText)) throw PveError.BadParameter("vmid", "property is missing and it is not optional");
        if (!call.P.TryGetValue("ostemplate", out var ostemplate)) throw PveError.BadParameter("ostemplate", "property is missing and it is not optional");
        var vmid = int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= 100
            ? v : throw PveError.BadParameter("vmid", "value does not match the regex pattern");
        var unprivileged = call.P.GetValueOrDefault("unprivileged", "1") != "0";
        if (!unprivileged) Need("/", "Sys.Modify");
        if (Store.Find(vmid) is { } taken) throw new PveError(500, $"{taken.Label} {vmid} already exists on node '{taken.Node}'");
        if (!Has("VM.Allocate")) throw new PveError(403, "Permission check failed");
        var config = call.P.Where(p => !CreateOnly.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);
        foreach (var key in config.Keys) Need($"/vms/{vmid}", ContainerConfigPrivilege(key));
        config = ConfigRules.Normalise(config);
        var archiveStorage = ostemplate.Split(':')[0];
        Need($"/storage/{archiveStorage}", "Datastore.AllocateSpace", "Datastore.Audit");
        var rootfs = config.GetValueOrDefault("rootfs") ?? $"{call.P.GetValueOrDefault("storage", "local")}:4";
        var disk = RootfsDisk().Match(rootfs);
        var storage = disk.Success ? disk.Groups["storage"].Value : rootfs.Split(':')[0];
        if (storage != "local") throw new PveError(500, $"storage '{storage}' does not exist");
        Need($"/storage/{storage}", "Datastore.AllocateSpace");
        var size = disk.Success ? disk.Groups["size"].Value : "4";
        config["rootfs"] = $"local:{vmid}/vm-{vmid}-disk-0.raw,size={size}G";
        config["arch"] = config.GetValueOrDefault("arch", "amd64");
        config["ostype"] = config.GetValueOrDefault("ostype", "debian");
        if (unprivileged) config["unprivileged"] = "1";
        if (config.TryGetValue("net0", out var net0) && !net0.Contains("hwaddr=", StringComparison.Ordinal))
        {
            config["net0"] = Regex.Replace(net0, "^(name=[^,]*)", "$1,hwaddr=" + global::PveEmulator.Runtime.FakeRuntime.Mac(vmid)) + (net0.Contains("type=", StringComparison.Ordinal) ? "" : ",type=veth");
        }
        config["lock"] = "create";
        var keys = call.P.GetValueOrDefault("ssh-public-keys");
        var start = call.P.GetValueOrDefault("start") == "1";
        var ct = Store.Create(vmid, options.Node, "lxc", config);
        var upid = Tasks.Start("vzcreate", vmid.ToString(CultureInfo.InvariantCulture), call.User, async (task, ct2) =>
        {
            using (await Store.LockAsync(ct, ct2).ConfigureAwait(false))
            {
                if (!Containers.Archives.Contains(ostemplate)) throw new PveError(500, $"unable to create CT {vmid} - volume '{ostemplate}' does not exist");
                task.Log($"extracting archive '{ostemplate}'");
                await Containers.CreateAsync(ct, ostemplate, keys, ct2).ConfigureAwait(false);
                lock (Store.Gate) ct.Config.Remove("lock");
            }
            if (start) await StartContainerWorkAsync(task, ct, ct2).ConfigureAwait(false);
        }, async _ =>
        {
            // destroy_config_on_error: what the failed create made goes, config included.
            await Containers.DestroyAsync(ct, CancellationToken.None).ConfigureAwait(false);
            Store.Remove(ct);
        });
        LoseResponseIfInjected(call);
        return upid;
    }

    private async Task<object?> SetContainerConfigAsync(ApiCall call, int vmid)
    {
        var acl = $"/vms/{vmid}";
        Need(acl, "VM.Config.Disk", "VM.Config.CPU", "VM.Config.Memory", "VM.Config.Network", "VM.Config.Options");
        var g = Store.Get(options.Node, "lxc", vmid);
        var changes = call.P.Where(p => p.Key is not ("digest" or "delete" or "revert")).ToDictionary(p => p.Key, p => p.Value);
        var deletes = call.P.GetValueOrDefault("delete")?.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries) ?? [];
        foreach (var key in changes.Keys.Concat(deletes)) Need(acl, ContainerConfigPrivilege(key));
        changes = ConfigRules.Normalise(changes);
        var injected = options.TakeFault(FaultKind.LockTimeout);
        using (await Store.LockAsync(g, call.Aborted, injected).ConfigureAwait(false))
        {
            lock (Store.Gate)
            {
                GuestStore.CheckNoLock(g);
                if (call.P.TryGetValue("digest", out var d) && d != g.Digest())
                {
                    throw new PveError(500, "detected modified configuration - file changed by other user? Try again.");
                }
                foreach (var (k, v) in changes) g.Config[k] = v;
                foreach (var k in deletes) g.Config.Remove(k);
            }
            // cores, cpulimit, cpuunits, memory and swap are hot-pluggable for a running container in PVE.
            if (Containers.IsAlive(g)) await Containers.ApplyLimitsAsync(g, call.Aborted).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>The privilege pve-container's check_ct_modify_config_perm asks for each option.</summary>
    internal static string ContainerConfigPrivilege(string key) => key switch
    {
        "cores" or "cpuunits" or "cpulimit" => "VM.Config.CPU",
        "rootfs" => "VM.Config.Disk",
        "memory" or "swap" => "VM.Config.Memory",
        "nameserver" or "searchdomain" or "hostname" => "VM.Config.Network",
        _ when Regex.IsMatch(key, "^mp[0-9]+$") => "VM.Config.Disk",
        _ when Regex.IsMatch(key, "^net[0-9]+$") => "VM.Config.Network",
        _ => "VM.Config.Options", // tags included (assert_tag_permissions, unrestricted tag access)
    };

    [GeneratedRegex(@"^(?<storage>[a-z][a-z0-9._-]*[a-z0-9]):(?<size>[0-9]+(\.[0-9]+)?)$", RegexOptions.IgnoreCase)]
    private static partial Regex RootfsDisk();
}
