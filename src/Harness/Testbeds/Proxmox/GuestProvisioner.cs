using System.Diagnostics;
using System.Globalization;
using Harness.Configuration;
using Harness.Pve;
using Harness.Remote;

namespace Harness.Testbeds.Proxmox;

/// <summary>One guest from nothing to a logged-in shell: VMID, clone (or create), config, start, address, SSH.</summary>
internal sealed class GuestProvisioner(
    IPveClient client, PveOptions pve, string runId, SshKeyPair key, GuestConnector connect, RemoteShellOptions remote, ProxmoxTestbed.Ledger ledger,
    ProgressSink progress)
{
    private const int IdAttempts = 8;
    private readonly SemaphoreSlim _idGate = new(1);
    private readonly HashSet<int> _usedIds = [];

    /// <param name="sized">The run's guest settings with this guest's own size (<see cref="GuestConfig.Sized"/>).</param>
    public async Task<ProxmoxGuest> ProvisionAsync(
        string name, string node, IReadOnlyList<PveClusterGuest> templates, PveOptions sized, SemaphoreSlim cloneGate,
        CancellationToken cancellationToken)
    {
        var allocation = new GuestAllocation(sized.EffectiveCpus, sized.MemoryMiB * 1024L * 1024L);
        var vmName = GuestTags.GuestName(runId, name);
        PveGuestRef guest;
        await cloneGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            guest = pve.Kind == PveGuestKind.Vm
                ? await CloneVmAsync(name, vmName, node, templates, cancellationToken).ConfigureAwait(false)
                : await CreateContainerAsync(name, vmName, node, sized, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            cloneGate.Release();
        }

        if (pve.Kind == PveGuestKind.Vm)
        {
            progress($"{name}: configuring {guest} ({sized.Cores} vCPU{(sized.CpuLimit > 0 ? $", cpulimit {sized.CpuLimit.ToString(CultureInfo.InvariantCulture)}" : "")}, {sized.MemoryMiB} MiB)");
            await client.SetConfigAsync(guest, GuestConfig.Vm(sized, runId, key.PublicKey), cancellationToken).ConfigureAwait(false);
        }
        progress($"{name}: starting {guest}");
        // Time to SSH is what every run waits for on a slow node (TCG, cold storage): said once per guest.
        var starting = Stopwatch.GetTimestamp();
        var start = await client.StartAsync(guest, cancellationToken).ConfigureAwait(false);
        await PveTasks.WaitAsync(client, start, $"start of {guest}", pve.TaskTimeout, cancellationToken, pve.PollInterval).ConfigureAwait(false);

        var deadline = DateTime.UtcNow + pve.BootTimeout;
        string address;
        IRemoteShell shell;
        string? hostKey;
        try
        {
            address = await WaitForAddressAsync(guest, deadline, cancellationToken).ConfigureAwait(false);
            var addressAfter = Stopwatch.GetElapsedTime(starting);
            progress($"{name}: {guest} has address {address}; waiting for SSH");
            (shell, hostKey) = await connect(address, pve.SshUser, deadline, remote, cancellationToken).ConfigureAwait(false);
            progress(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {guest} answered SSH {Stopwatch.GetElapsedTime(starting).TotalSeconds:0.0} s after its start (address after {addressAfter.TotalSeconds:0.0} s)"));
        }
        catch (TimeoutException e)
        {
            // Said once, here, for both waits: which guest, what never came, and the setting that bounds the wait.
            throw new GuestStartTimeoutException(
                $"guest {name} ({guest}) did not come up within {pve.BootTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s " +
                $"(HARNESS_PVE_BOOT_TIMEOUT_SECONDS): {e.Message}", e);
        }
        return new ProxmoxGuest(name, guest, allocation, shell, address, hostKey, client, pve.TaskTimeout, pve.PollInterval, r =>
        {
            ledger.Destroyed(r);
            return Task.CompletedTask;
        });
    }

    private async Task<PveGuestRef> CloneVmAsync(string name, string vmName, string node, IReadOnlyList<PveClusterGuest> templates, CancellationToken cancellationToken)
    {
        // A template on the guest's own node clones locally; otherwise clone across (needs shared storage).
        var template = templates.FirstOrDefault(t => t.Node == node) ?? templates[0];
        return await CreateOnceAsync(name, vmName, PveGuestKind.Vm, node, $"clone of template {template.VmId}", async id =>
        {
            progress($"{name}: cloning template {template.VmId} to {new PveGuestRef(node, PveGuestKind.Vm, id)} ({(pve.FullClone ? "full" : "linked")})");
            try
            {
                return await client.CloneAsync(template.Ref, GuestConfig.Clone(pve, id, vmName, node), cancellationToken).ConfigureAwait(false);
            }
            catch (PveApiException e) when (e.IsDoesNotExist)
            {
                throw new PveApiException(e.Method, e.Path, e.StatusCode, e.PveError, e.ParameterErrors,
                    $"Template {template.VmId} on node {template.Node} could not be cloned; check HARNESS_PVE_TEMPLATE and HARNESS_PVE_NODES");
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private Task<PveGuestRef> CreateContainerAsync(string name, string hostname, string node, PveOptions sized, CancellationToken cancellationToken) =>
        CreateOnceAsync(name, hostname, PveGuestKind.Lxc, node, "create", id =>
        {
            progress($"{name}: creating {new PveGuestRef(node, PveGuestKind.Lxc, id)} from {pve.OsTemplate}");
            return client.CreateContainerAsync(node, GuestConfig.Container(sized, runId, id, hostname, key.PublicKey), cancellationToken);
        }, cancellationToken);

    /// <summary>
    /// Runs a clone or create once per VMID: never again after an answer that got lost, since PVE may have started it.
    /// A lost answer or "already exists" is settled by the guest's own config: ours (our name or tags) is kept and
    /// waited for; someone else's is left alone and another VMID is tried; none means nothing was made.
    /// </summary>
    private async Task<PveGuestRef> CreateOnceAsync(
        string name, string guestName, PveGuestKind kind, string node, string what, Func<int, Task<string>> create, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var id = await NextIdAsync(cancellationToken).ConfigureAwait(false);
            var guest = new PveGuestRef(node, kind, id);
            ledger.Created(guest);
            string upid;
            try
            {
                upid = await create(id).ConfigureAwait(false);
            }
            catch (PveApiException e) when ((e.IsAmbiguous || e.IsAlreadyExists) && attempt < IdAttempts)
            {
                var owner = await OwnerAsync(guest, guestName, cancellationToken).ConfigureAwait(false);
                if (owner == Owner.Us)
                {
                    progress(e.IsAmbiguous
                        ? $"{name}: the answer to the {what} of {guest} was lost ({e.StatusCode} {e.PveError}), but the guest is ours; using it"
                        : $"{name}: the {what} of {guest} answered '{e.PveError}', but the guest is ours (its name or tags); using it");
                    return guest;
                }
                // Someone else's guest is theirs to keep; one that does not exist stays in the ledger in case it still appears.
                if (owner == Owner.Them) ledger.Forget(guest);
                progress(owner == Owner.Them
                    ? $"{name}: VMID {id} was taken meanwhile, trying another"
                    : $"{name}: the {what} of {guest} got no answer ({e.StatusCode} {e.PveError}) and made nothing; trying another VMID");
                continue;
            }
            await PveTasks.WaitAsync(client, upid, $"{what} to {guest}", pve.TaskTimeout, cancellationToken, pve.PollInterval).ConfigureAwait(false);
            return guest;
        }
    }

    private enum Owner
    {
        Nobody,
        Us,
        Them,
    }

    /// <summary>
    /// Whose guest <paramref name="guest"/> is, by its config. A clone or create in progress has only its lock in the
    /// config (name and tags come at the end), so it is waited for first.
    /// </summary>
    private async Task<Owner> OwnerAsync(PveGuestRef guest, string guestName, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + pve.TaskTimeout;
        while (true)
        {
            IReadOnlyDictionary<string, string> config;
            try
            {
                config = await client.GetConfigAsync(guest, cancellationToken).ConfigureAwait(false);
            }
            catch (PveApiException e) when (e.IsDoesNotExist)
            {
                return Owner.Nobody;
            }
            if (!config.ContainsKey("lock") || DateTime.UtcNow >= deadline)
            {
                var ourName = config.GetValueOrDefault(guest.Kind == PveGuestKind.Vm ? "name" : "hostname") == guestName;
                var tags = (config.GetValueOrDefault("tags") ?? "").Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries).Select(t => t.ToLowerInvariant()).ToList();
                if (ourName || GuestTags.IsOfRun(tags, runId)) return Owner.Us;
                // Still locked: whose it is cannot be told; it stays in the ledger, so teardown settles it once the lock is gone.
                return config.ContainsKey("lock")
                    ? throw new TimeoutException($"{guest} stayed locked ({config["lock"]}) for the task timeout after its answer was lost; cannot tell whose it is")
                    : Owner.Them;
            }
            await Task.Delay(pve.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<int> NextIdAsync(CancellationToken cancellationToken)
    {
        await _idGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (pve.VmidRange is { } range)
            {
                for (var id = range.First; id <= range.Last; id++)
                {
                    if (_usedIds.Contains(id)) continue;
                    if (await client.IsIdFreeAsync(id, cancellationToken).ConfigureAwait(false))
                    {
                        _usedIds.Add(id);
                        return id;
                    }
                }
                throw new HarnessConfigurationException([$"HARNESS_PVE_VMID_RANGE: no free VMID left in {range.First}-{range.Last}. Widen the range or remove guests left in it."]);
            }
            // nextid reserves nothing: remember what this run already took, and step past it.
            var next = await client.GetNextIdAsync(cancellationToken).ConfigureAwait(false);
            while (_usedIds.Contains(next))
            {
                next++;
                while (!await client.IsIdFreeAsync(next, cancellationToken).ConfigureAwait(false)) next++;
            }
            _usedIds.Add(next);
            return next;
        }
        finally
        {
            _idGate.Release();
        }
    }

    private async Task<string> WaitForAddressAsync(PveGuestRef guest, DateTime deadline, CancellationToken cancellationToken)
    {
        string last = "no answer yet";
        while (true)
        {
            try
            {
                var nics = await client.GetInterfacesAsync(guest, cancellationToken).ConfigureAwait(false);
                var address = nics.SelectMany(n => n.Addresses.Where(a => ProxmoxTestbed.IsUsableAddress(n, a))).Select(a => a.Address).FirstOrDefault();
                if (address is not null) return address;
                last = "no IPv4 address besides loopback yet";
            }
            catch (PveApiException e) when (e.StatusCode == 500)
            {
                // "QEMU guest agent is not running" until the guest has booted far enough.
                last = e.PveError;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"{guest} reported no IPv4 address ({last}). Is qemu-guest-agent installed and enabled in the template, and does the bridge hand out DHCP leases?");
            }
            await Task.Delay(pve.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}
