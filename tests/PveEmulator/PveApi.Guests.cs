using System.Globalization;
using System.Text.RegularExpressions;

namespace PveEmulator;

/// <summary>The /nodes/{node}/qemu/{vmid}/… endpoints: clone, config, power, destroy, agent.</summary>
public sealed partial class PveApi
{
    private async Task<object?> GuestAsync(ApiCall call, string kind, int vmid, string rest)
    {
        if (kind == "lxc") return await ContainerAsync(call, vmid, rest).ConfigureAwait(false);
        var acl = $"/vms/{vmid}";
        switch (call.Method, rest)
        {
            case ("POST", "/clone"):
                return Clone(call, vmid);
            case ("GET", "/config"):
            {
                Need(acl, "VM.Audit");
                var g = Store.Get(options.Node, kind, vmid);
                lock (Store.Gate)
                {
                    var c = g.Config.ToDictionary(k => k.Key, k => (object?)k.Value);
                    c["digest"] = g.Digest();
                    return c;
                }
            }
            case ("PUT" or "POST", "/config"):
                return await SetConfigAsync(call, vmid, async: call.Method == "POST").ConfigureAwait(false);
            case ("GET", "/status/current"):
                Need(acl, "VM.Audit");
                return Status(Store.Get(options.Node, kind, vmid));
            case ("POST", "/status/start"):
                Need(acl, "VM.PowerMgmt");
                return Start(call, Store.Get(options.Node, kind, vmid));
            case ("POST", "/status/stop" or "/status/shutdown"):
                Need(acl, "VM.PowerMgmt");
                return Stop(call, Store.Get(options.Node, kind, vmid), graceful: rest == "/status/shutdown");
            case ("POST", "/template"):
                Need(acl, "VM.Allocate");
                return MakeTemplate(call, Store.Get(options.Node, kind, vmid));
            case ("DELETE", ""):
                Need(acl, "VM.Allocate");
                return Destroy(call, Store.Get(options.Node, kind, vmid));
            case ("GET", "/agent/network-get-interfaces"):
                Need(acl, "VM.GuestAgent.Audit", "VM.GuestAgent.Unrestricted");
                return await AgentAsync(call, Store.Get(options.Node, kind, vmid)).ConfigureAwait(false);
            default:
                throw new PveError(501, $"Method '{call.Method} /{call.Path}' not implemented");
        }
    }

    private string Clone(ApiCall call, int vmid)
    {
        if (!call.P.TryGetValue("newid", out var newText)) throw PveError.BadParameter("newid", "property is missing and it is not optional");
        if (!int.TryParse(newText, NumberStyles.None, CultureInfo.InvariantCulture, out var newId) || newId < 100)
        {
            throw PveError.BadParameter("newid", "value does not match the regex pattern");
        }
        Need($"/vms/{vmid}", "VM.Clone");
        Need($"/vms/{newId}", "VM.Allocate");
        var source = Store.Get(options.Node, "qemu", vmid);
        GuestStore.CheckNoLock(source);
        var full = call.P.TryGetValue("full", out var f) ? f == "1" : !source.Template;
        foreach (var only in new[] { "storage", "format" })
        {
            if (!full && call.P.ContainsKey(only)) throw new PveError(500, $"parameter '{only}' not allowed for linked clones");
        }
        if (call.P.TryGetValue("target", out var target) && target != options.Node)
        {
            throw new PveError(500, $"can't clone VM to node '{target}' (VM uses local storage)");
        }
        if (call.P.TryGetValue("name", out var name) && !DnsName().IsMatch(name)) throw PveError.BadParameter("name", "value does not match the regex pattern");
        // As create_and_lock_config: the config exists at once, locked, so a retried clone finds it already there.
        var clone = Store.Create(newId, options.Node, "qemu", new Dictionary<string, string> { ["lock"] = "clone" });
        var upid = Tasks.Start("qmclone", vmid.ToString(CultureInfo.InvariantCulture), call.User, async (task, ct) =>
        {
            task.Log($"create {(full ? "full" : "linked")} clone of drive scsi0 (local:{vmid}/base-{vmid}-disk-0.qcow2)");
            using (await Store.LockAsync(clone, ct).ConfigureAwait(false))
            {
                if (!full && !source.Template) throw new PveError(500, "clone failed: clone_image only works on base images");
                await Runtime.CloneDiskAsync(source, clone, full, ct).ConfigureAwait(false);
                lock (Store.Gate)
                {
                    foreach (var (k, v) in source.Config.Where(c => c.Key is not ("template" or "lock"))) clone.Config[k] = v;
                    clone.Config["name"] = name ?? $"Copy-of-VM-{source.Name}";
                    clone.Config["scsi0"] = $"local:{(full ? newId : vmid)}/{(full ? "" : $"base-{vmid}-disk-0.qcow2/")}vm-{newId}-disk-0.qcow2,size=3G";
                    clone.Config["net0"] = Regex.Replace(source.Config.GetValueOrDefault("net0", "virtio,bridge=vmbr0"), "^virtio(=[^,]*)?",
                        "virtio=" + FakeRuntimeMac(newId));
                    clone.Config.Remove("lock");
                }
            }
        }, async _ =>
        {
            // A failed clone removes what it made, config included, as PVE's clone worker does.
            await Runtime.DestroyDiskAsync(clone, CancellationToken.None).ConfigureAwait(false);
            Store.Remove(clone);
        });
        LoseResponseIfInjected(call);
        return upid;
    }

    /// <summary>The lost-clone-response fault: the work has started, the answer is dropped (clone, or a container's create).</summary>
    private void LoseResponseIfInjected(ApiCall call)
    {
        if (options.TakeFault(FaultKind.LostCloneResponse)) call.DropResponse = true;
    }

    private static string FakeRuntimeMac(int vmid) => global::PveEmulator.Runtime.FakeRuntime.Mac(vmid);

    private async Task<object?> SetConfigAsync(ApiCall call, int vmid, bool async)
    {
        var acl = $"/vms/{vmid}";
        var g = Store.Get(options.Node, "qemu", vmid);
        var changes = call.P.Where(p => p.Key is not ("digest" or "delete" or "skiplock")).ToDictionary(p => p.Key, p => p.Value);
        var deletes = call.P.GetValueOrDefault("delete")?.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries) ?? [];
        foreach (var key in changes.Keys.Concat(deletes)) Need(acl, ConfigPrivilege(key));
        changes = ConfigRules.Normalise(changes);
        var injected = options.TakeFault(FaultKind.LockTimeout);
        async Task Apply(CancellationToken ct)
        {
            using (await Store.LockAsync(g, ct, injected).ConfigureAwait(false))
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
                if (g.Status == "running") Runtime.ApplyLimits(g);
            }
        }
        if (!async)
        {
            await Apply(call.Aborted).ConfigureAwait(false);
            return null;
        }
        return Tasks.Start("qmconfig", vmid.ToString(CultureInfo.InvariantCulture), call.User, (_, ct) => Apply(ct));
    }

    /// <summary>The privilege PVE's check_vm_modify_config_perm asks for each option the harness sets.</summary>
    internal static string ConfigPrivilege(string key) => key switch
    {
        "cores" or "sockets" or "cpulimit" or "cpuunits" or "cpu" or "vcpus" or "affinity" or "numa" => "VM.Config.CPU",
        "memory" or "balloon" or "shares" => "VM.Config.Memory",
        "ciuser" or "cipassword" or "sshkeys" or "citype" or "ciupgrade" or "nameserver" or "searchdomain" => "VM.Config.Cloudinit",
        _ when key.StartsWith("ipconfig", StringComparison.Ordinal) => "VM.Config.Cloudinit",
        _ when key.StartsWith("net", StringComparison.Ordinal) => "VM.Config.Network",
        _ when Regex.IsMatch(key, "^(scsi|virtio|sata|ide|efidisk|tpmstate)[0-9]+$") => "VM.Config.Disk",
        _ => "VM.Config.Options",
    };

    private string Start(ApiCall call, EmuGuest g)
    {
        lock (Store.Gate)
        {
            GuestStore.CheckNoLock(g);
            if (g.Template) throw new PveError(500, "you can't start a vm if it's a template");
        }
        return Tasks.Start("qmstart", g.VmId.ToString(CultureInfo.InvariantCulture), call.User, async (task, ct) =>
        {
            using (await Store.LockAsync(g, ct).ConfigureAwait(false))
            {
                if (g.Status == "running" && Runtime.IsAlive(g)) throw new PveError(500, $"VM {g.VmId} already running");
                await Runtime.StartAsync(g, ct).ConfigureAwait(false);
                g.StartedAt = DateTime.UtcNow;
                g.LastCpuSample = null;
                g.Status = "running";
                task.Log($"started VM {g.VmId} (ssh forwarded from {g.Address}:22)");
            }
        });
    }

    private string Stop(ApiCall call, EmuGuest g, bool graceful)
    {
        var timeout = int.TryParse(call.P.GetValueOrDefault("timeout"), out var t) ? t : graceful ? 180 : 5;
        return Tasks.Start(graceful ? "qmshutdown" : "qmstop", g.VmId.ToString(CultureInfo.InvariantCulture), call.User, async (task, ct) =>
        {
            using (await Store.LockAsync(g, ct).ConfigureAwait(false))
            {
                await Runtime.StopAsync(g, graceful, TimeSpan.FromSeconds(timeout), ct).ConfigureAwait(false);
                g.Status = "stopped";
                g.Address = null;
            }
        });
    }

    private string MakeTemplate(ApiCall call, EmuGuest g)
    {
        if (g.Status == "running") throw new PveError(500, "you can't convert a running VM to a template");
        return Tasks.Start("qmtemplate", g.VmId.ToString(CultureInfo.InvariantCulture), call.User, async (_, ct) =>
        {
            using (await Store.LockAsync(g, ct).ConfigureAwait(false))
            {
                lock (Store.Gate) g.Config["template"] = "1";
            }
        });
    }

    private string Destroy(ApiCall call, EmuGuest g)
    {
        lock (Store.Gate)
        {
            GuestStore.CheckNoLock(g);
            if (g.Status == "running") throw new PveError(500, $"VM {g.VmId} is running - destroy failed");
            if (g.Config.GetValueOrDefault("protection") == "1") throw new PveError(500, "can't remove VM - protection mode enabled");
        }
        return Tasks.Start("qmdestroy", g.VmId.ToString(CultureInfo.InvariantCulture), call.User, async (task, ct) =>
        {
            using (await Store.LockAsync(g, ct).ConfigureAwait(false))
            {
                if (g.VmId == options.TemplateId) throw new PveError(500, "the emulator keeps its template: destroy refused");
                await Runtime.DestroyDiskAsync(g, ct).ConfigureAwait(false);
                Store.Remove(g);
                task.Log($"purging VM {g.VmId} from related configurations..");
            }
        });
    }

    private async Task<object?> AgentAsync(ApiCall call, EmuGuest g)
    {
        if (g.Status != "running" || !Runtime.IsAlive(g)) throw new PveError(500, $"VM {g.VmId} is not running");
        var agent = g.Config.GetValueOrDefault("agent", "0");
        if (!(agent == "1" || agent.StartsWith("1,", StringComparison.Ordinal) || agent.Contains("enabled=1", StringComparison.Ordinal)))
        {
            throw new PveError(500, "No QEMU guest agent configured");
        }
        var late = options.Faults.FirstOrDefault(f => f.Kind == FaultKind.AgentLate);
        if (late is not null && DateTime.UtcNow < g.StartedAt + TimeSpan.FromSeconds(late.Seconds))
        {
            throw new PveError(500, "QEMU guest agent is not running");
        }
        return new Dictionary<string, object?> { ["result"] = await Runtime.AgentInterfacesAsync(g, call.Aborted).ConfigureAwait(false) };
    }

    [GeneratedRegex(@"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$")]
    private static partial Regex DnsName();
}
