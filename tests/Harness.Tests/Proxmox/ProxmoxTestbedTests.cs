using System.Runtime.CompilerServices;
using Harness.Configuration;
using Harness.Pve;
using Harness.Remote;
using Harness.Sampling;
using Harness.Tests.Pve;
using Harness.Testbeds;
using Harness.Testbeds.Proxmox;
using Xunit;

namespace Harness.Tests.Proxmox;

/// <summary>The whole provisioning flow against <see cref="FakePveServer"/>: clone, config, start, address, teardown — and faults.</summary>
public sealed partial class ProxmoxTestbedTests : IAsyncLifetime
{
    private const string RunId = "20260101-120000-abc123";
    private FakePveServer _fake = null!;
    private readonly List<string> _connected = [];
    private readonly List<string> _log = [];

    public async ValueTask InitializeAsync() => _fake = await FakePveServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        // Every request the testbed sent must be one PVE's parameter check accepts.
        var refused = _fake.SchemaRefusals;
        await _fake.DisposeAsync();
        Assert.Empty(refused);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private PveOptions Options(PveGuestKind kind = PveGuestKind.Vm) => _fake.Options(kind) with
    {
        Bridge = kind == PveGuestKind.Lxc ? "vmbr0" : null,
        Cores = 1,
        MemoryMiB = 1024,
        CpuLimit = 0.5,
        PollInterval = TimeSpan.FromMilliseconds(5),
        TaskTimeout = TimeSpan.FromSeconds(10),
        BootTimeout = TimeSpan.FromSeconds(10),
    };

    private Task<ProxmoxTestbed> CreateAsync(PveOptions options, int guests = 4, CancellationToken? ct = null, IReadOnlyList<Harness.Scenarios.GuestSize>? sizes = null)
    {
        var key = SshKeyPair.Create("test");
        return ProxmoxTestbed.CreateAsync(options, guests, RunId, key, PveClientTests.Client(_fake), (address, user, _, _, _) =>
        {
            lock (_connected) _connected.Add($"{user}@{address}");
            return Task.FromResult<(IRemoteShell, string?)>((new SilentShell(), "fakehostkey"));
        }, RemoteShellOptions.Default, m => { lock (_log) _log.Add(m); }, ct ?? Ct, sizes);
    }

    private IEnumerable<FakeGuest> RunGuests() => _fake.Guests.Values.Where(g => !g.Template);

    [Fact]
    public async Task Four_vms_are_cloned_configured_started_and_destroyed()
    {
        var testbed = await CreateAsync(Options());
        try
        {
            Assert.Equal(["S1", "S2", "S3", "S4"], testbed.Guests.Select(g => g.Name));
            Assert.Equal(["vm 100 on node pve1", "vm 101 on node pve2", "vm 102 on node pve1", "vm 103 on node pve2"], testbed.Guests.Select(g => g.Identity));
            Assert.All(testbed.Guests, g => Assert.Equal(SamplerSource.Procfs, g.SamplerSource));
            Assert.All(testbed.Guests, g => Assert.Equal(new GuestAllocation(0.5, 1L << 30), g.Allocation));
            Assert.Equal(["root@192.0.2.100", "root@192.0.2.101", "root@192.0.2.102", "root@192.0.2.103"], _connected.Order());
            foreach (var g in RunGuests())
            {
                Assert.Equal("running", g.Status);
                Assert.Equal($"harness;host-{Environment.MachineName.ToLowerInvariant()};pid-{Environment.ProcessId};run-{RunId}".Split(';').Order(), g.Config["tags"].Split(';').Order());
                Assert.Equal("0", g.Config["ciupgrade"]);
                Assert.Equal("1", g.Config["agent"]);
                Assert.Equal("0.5", g.Config["cpulimit"]);
                Assert.StartsWith("ecdsa-sha2-nistp256%20", g.Config["sshkeys"]);
            }
            Assert.Null(await testbed.Guests[0].CheckAliveAsync(Ct));
            Assert.Equal("8.4.1", testbed.Facts["pve.version"]);
            Assert.Equal("9.2.0", testbed.Facts["qemu.version"]);
            Assert.Equal("Fake CPU @ 2.0GHz", testbed.Facts["node.pve1.cpu_model"]);
            Assert.StartsWith("Linux 6.8.12", testbed.Facts["node.pve2.kernel"]);
            Assert.Equal("1024", testbed.Facts["guest.S1.config.memory"]);
            Assert.DoesNotContain(testbed.Facts, f => f.Key.Contains("sshkeys") || f.Value.Contains(FakePveServer.TokenSecret));
            // Linked clones of the one template, across nodes with target=, waited on one at a time.
            var clones = _fake.Requests.Where(r => r.Contains("/clone")).ToList();
            Assert.Equal(4, clones.Count);
            Assert.Contains("POST nodes/pve1/qemu/9000/clone full=0&name=harness-20260101-120000-abc123-s2&newid=101&target=pve2", clones);
            Assert.True(_fake.RequestCount("GET nodes/pve1/tasks/UPID(qmclone)/status") >= 12);
        }
        finally
        {
            await testbed.DisposeAsync();
        }
        Assert.Empty(RunGuests());
        foreach (var id in new[] { 100, 101, 102, 103 })
        {
            Assert.Single(_fake.Requests, r => r.StartsWith("POST ", StringComparison.Ordinal) && r.Contains($"/qemu/{id}/status/stop"));
            Assert.Single(_fake.Requests, r => r.StartsWith("DELETE ", StringComparison.Ordinal) && r.Contains($"/qemu/{id} destroy-unreferenced-disks=1&purge=1"));
        }
    }

    [Fact]
    public async Task A_fair_share_weight_goes_to_cpuunits_and_is_read_back()
    {
        var testbed = await CreateAsync(Options());
        try
        {
            var weights = testbed.CpuWeights!;
            Assert.Equal(100, await weights.ReadAsync(testbed.Guests[1], Ct)); // nobody set it: PVE's cgroup v2 default
            await weights.SetAsync(testbed.Guests[0], 2, Ct);
            Assert.Equal("200", RunGuests().Single(g => g.Config["name"].EndsWith("-s1", StringComparison.Ordinal)).Config["cpuunits"]);
            Assert.Equal(200, await weights.ReadAsync(testbed.Guests[0], Ct));
            Assert.Empty(_fake.SchemaRefusals);
        }
        finally
        {
            await testbed.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_request_sequence_of_one_guest_is_recorded()
    {
        await (await CreateAsync(Options(), guests: 1)).DisposeAsync();
        var flow = _fake.Requests.Where(r => !r.Contains("/tasks/")).ToList();
        Assert.Equal(
        [
            "GET version",
            "GET cluster/resources type=vm",
            "GET nodes/pve1/qemu/9000/config",
            "GET cluster/resources type=vm",
            "GET nodes/pve1/status",
            "GET nodes/pve2/status",
            "GET cluster/nextid",
            "POST nodes/pve1/qemu/9000/clone full=0&name=harness-20260101-120000-abc123-s1&newid=100",
        ], flow.Take(8));
        Assert.StartsWith("PUT nodes/pve1/qemu/100/config agent=1&balloon=0&ciupgrade=0&ciuser=root&cores=1&cpulimit=0.5&cpuunits=100&ipconfig0=ip=dhcp&memory=1024&onboot=0&sshkeys=<key>&tags=harness;", flow[8]);
        Assert.Equal(
        [
            "POST nodes/pve1/qemu/100/status/start",
            "GET nodes/pve1/qemu/100/agent/network-get-interfaces",
            "GET nodes/pve1/qemu/100/agent/network-get-interfaces",
            "GET nodes/pve1/qemu/100/agent/network-get-interfaces",
            "GET nodes/pve1/qemu/100/config",
            "GET nodes/pve1/qemu/100/status/current",
            "GET nodes/pve1/qemu/100/status/current",
            "POST nodes/pve1/qemu/100/status/stop",
            "DELETE nodes/pve1/qemu/100 destroy-unreferenced-disks=1&purge=1",
            "GET cluster/resources type=vm",
        ], flow.Skip(9));
    }

    [Fact]
    public async Task The_request_sequence_of_a_provisioning_flow_matches_its_snapshot()
    {
        await (await CreateAsync(Options(), guests: 1)).DisposeAsync();
        // Task polls depend on timing, and the owner tag on the machine and process; neither is part of the contract.
        var flow = _fake.Requests
            .Where(r => !r.Contains("/tasks/"))
            .Select(r => System.Text.RegularExpressions.Regex.Replace(r, @"host-[a-z0-9_.+\-]+", "host-<machine>"))
            .Select(r => System.Text.RegularExpressions.Regex.Replace(r, @"pid-\d+", "pid-<pid>"));
        Snapshooter.Xunit3.Snapshot.Match(string.Join("\n", flow));
    }

    public static TheoryData<string> Faults => ["clone task fails", "start task hangs", "config lock timeout forever", "start refused", "agent never ready", "connect fails"];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Every_created_guest_is_destroyed_after_a_failure(string fault)
    {
        var options = Options();
        var connectFails = false;
        switch (fault)
        {
            case "clone task fails":
                // Armed below: the third clone fails; the two before it are up and must go again.
                break;
            case "start task hangs":
                _fake.HangTask("qmstart");
                options = options with { TaskTimeout = TimeSpan.FromMilliseconds(300) };
                break;
            case "config lock timeout forever":
                _fake.Fail("PUT", "/qemu/101/config$", 500, "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout", times: 100);
                break;
            case "start refused":
                _fake.Fail("POST", "/qemu/102/status/start$", 500, "start failed: command '/usr/bin/kvm -id 102 ...' failed: exit code 1", times: 100);
                break;
            case "agent never ready":
                _fake.AgentPollsBeforeReady = int.MaxValue;
                options = options with { BootTimeout = TimeSpan.FromMilliseconds(300) };
                break;
            case "connect fails":
                connectFails = true;
                break;
        }
        if (fault == "clone task fails")
        {
            // Fail the clone of S3 by arming the task fault after S2 has been cloned.
            _ = Task.Run(async () =>
            {
                while (_fake.RequestCount("POST nodes/pve1/qemu/9000/clone") < 2) await Task.Delay(2);
                _fake.FailTask("qmclone", "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout");
            }, Ct);
        }
        var key = SshKeyPair.Create("t");
        var e = await Assert.ThrowsAnyAsync<Exception>(() => ProxmoxTestbed.CreateAsync(options, 4, RunId, key, PveClientTests.Client(_fake),
            (a, u, _, _, _) => connectFails && a.EndsWith(".101", StringComparison.Ordinal)
                ? throw new TimeoutException("SSH did not answer")
                : Task.FromResult<(IRemoteShell, string?)>((new SilentShell(), null)),
            RemoteShellOptions.Default, _log.Add, Ct));
        Assert.IsNotType<AggregateException>(e);
        Assert.Empty(RunGuests());
        var created = _fake.Requests.Where(r => r.Contains("/clone ")).Select(r => r.Split("newid=")[1].Split('&')[0]).Distinct().ToList();
        Assert.NotEmpty(created);
        // Every clone that PVE completed is destroyed exactly once; a failed clone task removes its own VM.
        var destroyed = created.Where(id => _fake.Requests.Any(r => r.StartsWith("DELETE", StringComparison.Ordinal) && r.Contains($"/qemu/{id} "))).ToList();
        Assert.Equal(fault == "clone task fails" ? created.Count - 1 : created.Count, destroyed.Count);
        foreach (var id in destroyed)
        {
            Assert.Single(_fake.Requests, r => r.StartsWith("DELETE", StringComparison.Ordinal) && r.Contains($"/qemu/{id} destroy-unreferenced-disks=1&purge=1"));
        }
        Assert.Contains(_log, l => l.Contains("removing every guest this run created"));
    }

    [Fact]
    public async Task A_cancelled_run_destroys_what_it_created()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        _ = Task.Run(async () =>
        {
            while (_fake.RequestCount("POST nodes/pve1/qemu/9000/clone") < 2) await Task.Delay(2);
            await cts.CancelAsync();
        }, Ct);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CreateAsync(Options(), 4, cts.Token));
        Assert.Empty(RunGuests());
        Assert.True(_fake.RequestCount("DELETE nodes/") >= 1);
    }

    [Fact]
    public async Task A_lock_timeout_on_clone_is_retried_and_the_run_goes_on()
    {
        _fake.Fail("POST", "/clone$", 500, "can't lock file '/var/lock/qemu-server/lock-9000.conf' - got timeout", times: 1);
        await using var testbed = await CreateAsync(Options(), guests: 2);
        Assert.Equal(2, testbed.Guests.Count);
        Assert.Equal(3, _fake.RequestCount("POST nodes/pve1/qemu/9000/clone"));
    }

    [Fact]
    public async Task A_vmid_taken_between_nextid_and_clone_is_skipped()
    {
        // Another client creates 100 after nextid said it was free: the clone answers "config file already exists",
        // and 100's config (someone else's name and tags) shows it is not ours.
        _fake.AddGuest(100, "pve1", "someone-else", status: "stopped");
        _fake.NextIdAnswers.Enqueue(100);
        await using var testbed = await CreateAsync(Options(), guests: 1);
        Assert.Equal("vm 101 on node pve1", testbed.Guests[0].Identity);
        Assert.Contains(_log, l => l.Contains("VMID 100 was taken meanwhile"));
    }

    [Fact]
    public async Task A_vmid_range_is_used()
    {
        _fake.AddGuest(9100, "pve1", "someone-else", status: "stopped");
        await using var testbed = await CreateAsync(Options() with { VmidRange = (9100, 9110) }, guests: 2);
        Assert.Equal(["vm 9101 on node pve1", "vm 9102 on node pve2"], testbed.Guests.Select(g => g.Identity));
    }

    [Fact]
    public async Task An_unknown_template_is_a_clear_configuration_error_and_creates_nothing()
    {
        var e = await Assert.ThrowsAsync<HarnessConfigurationException>(() => CreateAsync(Options() with { TemplateIds = [8888] }));
        Assert.Contains("HARNESS_PVE_TEMPLATE: VMID 8888 does not exist in the cluster", e.Message);
        Assert.Equal(0, _fake.RequestCount("POST"));
    }

    [Fact]
    public async Task A_stopped_guest_is_reported_dead()
    {
        await using var testbed = await CreateAsync(Options(), guests: 1);
        _fake.Guests[100].Status = "stopped";
        Assert.Equal("vm 100 on node pve1 is stopped", await testbed.Guests[0].CheckAliveAsync(Ct));
    }
}
