using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Harness.Configuration;
using Harness.Pve;
using Harness.Remote;
using Harness.Scenarios;
using Renci.SshNet.Common;

namespace Harness.Testbeds.Proxmox;

/// <summary>
/// Opens a shell on a booted guest, with the run's remote-shell limits. The seam lets contract tests run the whole flow
/// without SSH. Throws <see cref="TimeoutException"/> when the guest does not let us in before <paramref name="deadline"/>.
/// </summary>
internal delegate Task<(IRemoteShell Shell, string? HostKeySha256)> GuestConnector(
    string address, string user, DateTime deadline, RemoteShellOptions remote, CancellationToken cancellationToken);

/// <summary>
/// N guests on Proxmox VE: linked (or full) clones of a cloud-init template, or containers from a template archive,
/// tagged with the run id, spread round robin over the configured nodes, stopped and destroyed at the end — also
/// when provisioning fails half-way or the run is cancelled.
/// </summary>
public sealed class ProxmoxTestbed : ITestbed
{
    private readonly IPveClient _client;
    private readonly PveOptions _options;
    private readonly List<IGuest> _guests;
    private readonly Ledger _ledger;

    private ProxmoxTestbed(string runId, IPveClient client, PveOptions options, List<IGuest> guests, Ledger ledger, IReadOnlyDictionary<string, string> facts)
    {
        RunId = runId;
        _client = client;
        _options = options;
        _guests = guests;
        _ledger = ledger;
        Facts = facts;
        // Every second: PVE answers a shorter interval with the previous figure, and a segment lasts 1.5 s by default.
        HostView = new ProxmoxHostView(client, () => _guests.OfType<ProxmoxGuest>().ToList(), TimeSpan.FromSeconds(1));
    }

    public string RunId { get; }

    public IReadOnlyList<IGuest> Guests => _guests;

    public IReadOnlyDictionary<string, string> Facts { get; }

    /// <summary>status/current of every guest at the segment edges and in between (<see cref="PveStatusSampler"/>).</summary>
    public IHostView HostView { get; }

    public ICpuWeights? CpuWeights => new ProxmoxCpuWeights(_client);

    /// <param name="sizes">Each guest's own size from its scenarios (index 0 = S1); a guest past the list, or a part left null, takes <paramref name="pve"/>'s.</param>
    public static Task<ProxmoxTestbed> CreateAsync(
        PveOptions pve, int guestCount, string runId, SshKeyPair key, RemoteShellOptions remote, ProgressSink progress, CancellationToken cancellationToken,
        IReadOnlyList<GuestSize>? sizes = null) =>
        CreateAsync(pve, guestCount, runId, key, remote, SshConnector(key), progress, cancellationToken, sizes);

    internal static async Task<ProxmoxTestbed> CreateAsync(
        PveOptions pve, int guestCount, string runId, SshKeyPair key, RemoteShellOptions remote, GuestConnector connect, ProgressSink progress,
        CancellationToken cancellationToken, IReadOnlyList<GuestSize>? sizes = null)
    {
        var client = PveClient.Create(pve, m => progress("PVE: " + m));
        try
        {
            return await CreateAsync(pve, guestCount, runId, key, client, connect, remote, progress, cancellationToken, sizes).ConfigureAwait(false);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    internal static async Task<ProxmoxTestbed> CreateAsync(
        PveOptions pve, int guestCount, string runId, SshKeyPair key, IPveClient client, GuestConnector connect, RemoteShellOptions remote,
        ProgressSink progress, CancellationToken cancellationToken, IReadOnlyList<GuestSize>? sizes = null)
    {
        var ledger = new Ledger();
        var guests = new List<IGuest>();
        try
        {
            var version = await client.GetVersionAsync(cancellationToken).ConfigureAwait(false);
            progress($"Proxmox VE {version.Version} at {pve.Url}");
            // Settings the cluster can refute are checked before anything is changed, reaping included.
            var templates = pve.Kind == PveGuestKind.Vm ? await ProxmoxTemplates.FindAsync(client, pve, cancellationToken).ConfigureAwait(false) : [];
            var reaped = await ProxmoxReaper.ReapAsync(client, includeOtherHosts: false, exceptRunId: runId, pve.TaskTimeout, progress, cancellationToken, pve.PollInterval)
                .ConfigureAwait(false);
            foreach (var r in reaped) progress($"removed guest left by an earlier run: {r}");

            var facts = new Dictionary<string, string>
            {
                ["backend"] = "proxmox",
                ["pve.version"] = version.Version,
                ["pve.release"] = version.Release,
                ["pve.repoid"] = version.RepoId,
                ["pve.url"] = pve.Url.ToString(),
                ["pve.nodes"] = string.Join(",", pve.Nodes),
                ["guest.kind"] = pve.Kind.ToString().ToLowerInvariant(),
                ["guest.count"] = guestCount.ToString(CultureInfo.InvariantCulture),
                ["guest.cores"] = pve.Cores.ToString(CultureInfo.InvariantCulture),
                ["guest.cpus"] = pve.EffectiveCpus.ToString(CultureInfo.InvariantCulture),
                ["guest.memory_mib"] = pve.MemoryMiB.ToString(CultureInfo.InvariantCulture),
                ["guest.cpulimit"] = pve.CpuLimit.ToString(CultureInfo.InvariantCulture),
                ["guest.cpuunits"] = pve.CpuUnits.ToString(CultureInfo.InvariantCulture),
                ["guest.clone"] = pve.Kind == PveGuestKind.Lxc ? "create" : pve.FullClone ? "full" : "linked",
                ["guest.template"] = pve.Kind == PveGuestKind.Vm ? string.Join(",", pve.TemplateIds) : pve.OsTemplate ?? "",
            };
            foreach (var node in pve.Nodes)
            {
                var s = await client.GetNodeStatusAsync(node, cancellationToken).ConfigureAwait(false);
                facts[$"node.{node}.pveversion"] = s.PveVersion ?? "?";
                facts[$"node.{node}.kernel"] = s.KernelVersion ?? "?";
                facts[$"node.{node}.cpu_model"] = s.CpuModel ?? "?";
                facts[$"node.{node}.cpus"] = s.CpuCount.ToString(CultureInfo.InvariantCulture);
                facts[$"node.{node}.cores"] = s.CpuCores.ToString(CultureInfo.InvariantCulture);
                facts[$"node.{node}.sockets"] = s.CpuSockets.ToString(CultureInfo.InvariantCulture);
                facts[$"node.{node}.memory_bytes"] = s.MemoryTotalBytes.ToString(CultureInfo.InvariantCulture);
            }

            var provisioner = new GuestProvisioner(client, pve, runId, key, connect, remote, ledger, progress);
            // Clones one at a time (or two): parallel clones from one template fail on PVE's storage and config locks.
            using var gate = new SemaphoreSlim(pve.CloneConcurrency);
            // The first failure cancels the guests still waiting, so a broken setup fails fast instead of N times.
            using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var tasks = new List<Task<ProxmoxGuest>>();
            for (var i = 1; i <= guestCount; i++)
            {
                var name = $"S{i}";
                var node = pve.Nodes[(i - 1) % pve.Nodes.Count];
                var sized = GuestConfig.Sized(pve, sizes is not null && i <= sizes.Count ? sizes[i - 1] : GuestSize.Default);
                tasks.Add(ProvisionOrCancelOthersAsync(provisioner, name, node, templates, sized, gate, failFast));
            }
            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch (Exception) when (tasks.FirstOrDefault(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException) is { } first)
            {
                guests.AddRange(tasks.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first.Exception!.InnerException!).Throw();
            }
            finally
            {
                // Keep every guest that did come up, so the catch below tears it down with the rest.
                foreach (var t in tasks.Where(t => t.IsCompletedSuccessfully && !guests.Contains(t.Result))) guests.Add(t.Result);
            }
            guests.Sort((a, b) => string.CompareOrdinal(a.Name.PadLeft(4), b.Name.PadLeft(4)));

            foreach (var g in guests.Cast<ProxmoxGuest>())
            {
                facts[$"guest.{g.Name}.identity"] = g.Identity;
                facts[$"guest.{g.Name}.cpus"] = g.Allocation.Cpus.ToString(CultureInfo.InvariantCulture);
                facts[$"guest.{g.Name}.memory_mib"] = (g.Allocation.MemoryBytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture);
                facts[$"guest.{g.Name}.address"] = g.Address;
                if (g.HostKeySha256 is { } hk) facts[$"guest.{g.Name}.ssh_host_key"] = "SHA256:" + hk;
                var config = await client.GetConfigAsync(g.Ref, cancellationToken).ConfigureAwait(false);
                foreach (var (k, v) in config)
                {
                    // The digest changes on every write and sshkeys/cipassword are not facts about the testbed.
                    if (k is "digest" or "sshkeys" or "cipassword" or "ssh-public-keys") continue;
                    facts[$"guest.{g.Name}.config.{k}"] = v;
                }
                foreach (var (k, v) in ProxmoxDiskLimits.Facts(g.Name, config)) facts[k] = v;
                if (!facts.ContainsKey("qemu.version") && g.Ref.Kind == PveGuestKind.Vm)
                {
                    var status = await client.GetStatusAsync(g.Ref, cancellationToken).ConfigureAwait(false);
                    if (status.RunningQemu is { } q) facts["qemu.version"] = q;
                }
            }
            return new ProxmoxTestbed(runId, client, pve, guests, ledger, facts);
        }
        catch (Exception e)
        {
            progress($"provisioning failed ({e.GetType().Name}); removing every guest this run created");
            try
            {
                await TearDownAsync(client, pve, guests, ledger, runId, progress).ConfigureAwait(false);
            }
            catch (Exception teardown)
            {
                throw new AggregateException("provisioning failed, and so did part of the teardown (see inner exceptions)", e, teardown);
            }
            throw;
        }
    }

    private static async Task<ProxmoxGuest> ProvisionOrCancelOthersAsync(
        GuestProvisioner provisioner, string name, string node, IReadOnlyList<PveClusterGuest> templates, PveOptions sized,
        SemaphoreSlim gate, CancellationTokenSource failFast)
    {
        try
        {
            return await provisioner.ProvisionAsync(name, node, templates, sized, gate, failFast.Token).ConfigureAwait(false);
        }
        catch
        {
            await failFast.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await HostView.DisposeAsync().ConfigureAwait(false);
            await TearDownAsync(_client, _options, _guests, _ledger, RunId, _ => { }).ConfigureAwait(false);
        }
        finally
        {
            _guests.Clear();
            _client.Dispose();
        }
    }

    private static async Task TearDownAsync(IPveClient client, PveOptions pve, List<IGuest> guests, Ledger ledger, string runId, ProgressSink progress)
    {
        var errors = new List<Exception>();
        foreach (var g in guests)
        {
            try
            {
                await g.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }
        // Guests created but never handed out (failed half-way): the ledger has them from the moment their VMID was used.
        foreach (var r in ledger.Remaining())
        {
            try
            {
                await GuestTeardown.DestroyAsync(client, r, pve.TaskTimeout, pve.PollInterval, CancellationToken.None).ConfigureAwait(false);
                ledger.Destroyed(r);
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }
        try
        {
            // Last sweep by tag, in case a create reached PVE without us learning its VMID.
            await ProxmoxReaper.ReapRunAsync(client, runId, pve.TaskTimeout, progress, CancellationToken.None, pve.PollInterval).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            errors.Add(e);
        }
        if (errors.Count > 0) throw new AggregateException("tearing down the Proxmox testbed failed; see docs/proxmox.md for reaping by hand", errors);
    }

    /// <summary>Waits for SSH on port 22, then logs in trusting the host key on first use and pinning it for the run.</summary>
    private static GuestConnector SshConnector(SshKeyPair key) => async (address, user, deadline, remote, cancellationToken) =>
    {
        var trust = new HostKeyTrust();
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var shell = await SshShell.ConnectAsync(address, 22, user, key, trust, cancellationToken, remote).ConfigureAwait(false);
                return (shell, trust.Fingerprint);
            }
            catch (Exception e) when (e is SocketException or SshConnectionException or SshAuthenticationException or SshOperationTimeoutException or IOException)
            {
                // sshd starts before cloud-init has written the key; keep trying until the boot deadline.
                last = e;
                await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
            }
        }
        throw new TimeoutException($"SSH to {user}@{address} did not accept the run's key (last error: {last?.Message ?? "none"})");
    };

    /// <summary>Every guest the run made PVE create, from the first API call that could have created it.</summary>
    internal sealed class Ledger
    {
        private readonly ConcurrentDictionary<PveGuestRef, bool> _refs = new();

        public void Created(PveGuestRef r) => _refs[r] = true;

        public void Forget(PveGuestRef r) => _refs.TryRemove(r, out _);

        public void Destroyed(PveGuestRef r) => _refs.TryRemove(r, out _);

        public IReadOnlyList<PveGuestRef> Remaining() => _refs.Keys.OrderBy(r => r.VmId).ToList();
    }

    /// <remarks>
    /// A 127/8 address on an interface other than lo is kept: the emulated node (tests/PveEmulator) forwards each VM's
    /// SSH from its own 127.0.1.N and reports that; a real guest never shows loopback addresses outside lo.
    /// </remarks>
    internal static bool IsUsableAddress(PveNetworkInterface nic, PveIpAddress a) =>
        nic.Name != "lo" && a.Type.Equals("ipv4", StringComparison.OrdinalIgnoreCase)
        && IPAddress.TryParse(a.Address, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork
        && !ip.Equals(IPAddress.Loopback) && !a.Address.StartsWith("169.254.", StringComparison.Ordinal);
}
