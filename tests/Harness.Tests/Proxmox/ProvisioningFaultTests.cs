using System.Runtime.CompilerServices;
using Harness.Configuration;
using Harness.Pve;
using Harness.Remote;
using Harness.Tests.Pve;
using Harness.Testbeds.Proxmox;
using Xunit;

namespace Harness.Tests.Proxmox;

/// <summary>
/// The provisioner against PVE's real answers and lost answers: every request passes PVE's parameter check, a clone
/// whose answer is lost is never sent twice and never left behind, and the template is judged by its config.
/// </summary>
public sealed class ProvisioningFaultTests : IAsyncLifetime
{
    private const string RunId = "20260101-120000-abc123";
    private FakePveServer _fake = null!;
    private readonly List<string> _log = [];

    public async ValueTask InitializeAsync() => _fake = await FakePveServer.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private PveOptions Options(PveGuestKind kind = PveGuestKind.Vm) => _fake.Options(kind) with
    {
        PollInterval = TimeSpan.FromMilliseconds(5),
        TaskTimeout = TimeSpan.FromSeconds(10),
        BootTimeout = TimeSpan.FromSeconds(10),
    };

    private Task<ProxmoxTestbed> CreateAsync(PveOptions options, int guests = 2, string runId = RunId) =>
        ProxmoxTestbed.CreateAsync(options, guests, runId, SshKeyPair.Create("t"), PveClientTests.Client(_fake),
            (_, _, _, _, _) => Task.FromResult<(IRemoteShell, string?)>((new SilentShell(), null)), RemoteShellOptions.Default,
            m => { lock (_log) _log.Add(m); }, Ct);

    private IEnumerable<FakeGuest> RunGuests() => _fake.Guests.Values.Where(g => !g.Template);

    [Theory]
    [InlineData(PveGuestKind.Vm)]
    [InlineData(PveGuestKind.Lxc)]
    public async Task Every_request_of_a_provision_and_teardown_passes_pves_parameter_check(PveGuestKind kind)
    {
        await (await CreateAsync(Options(kind), guests: 4)).DisposeAsync();
        Assert.Empty(_fake.SchemaRefusals);
        Assert.Equal(_fake.Requests.Count, _fake.ValidatedRequests);
        // What the report quotes: the VM flow of four guests sends this many checked requests (task polls included).
        Assert.True(_fake.ValidatedRequests > 60, $"{_fake.ValidatedRequests} requests");
        TestContext.Current.SendDiagnosticMessage($"{kind}: {_fake.ValidatedRequests} requests validated, {_fake.SchemaRefusals.Count} refused");
        Assert.Empty(RunGuests());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(596)]
    public async Task A_clone_whose_answer_is_lost_is_not_sent_again_and_nothing_is_left_behind(int status)
    {
        // The clone of S1 starts on the node, but the connection drops (0) or pveproxy answers 596.
        _fake.LoseResponse("POST", "/clone$", status);
        var testbed = await CreateAsync(Options(), guests: 2);
        try
        {
            Assert.Equal(2, testbed.Guests.Count);
            // One clone request per guest: the lost one is adopted from its config, not repeated.
            Assert.Equal(2, _fake.RequestCount("POST nodes/pve1/qemu/9000/clone"));
            Assert.Equal(["vm 100 on node pve1", "vm 101 on node pve2"], testbed.Guests.Select(g => g.Identity));
            Assert.Contains(_log, l => l.Contains("was lost") && l.Contains("the guest is ours"));
            Assert.Equal(2, RunGuests().Count());
        }
        finally
        {
            await testbed.DisposeAsync();
        }
        Assert.Empty(RunGuests());
        Assert.Empty(_fake.SchemaRefusals);
    }

    [Fact]
    public async Task An_already_existing_guest_of_ours_is_kept_and_destroyed_with_the_rest()
    {
        // A guest of this run with S1's name already holds the VMID nextid hands out (as after an answer lost earlier).
        var ours = _fake.AddGuest(100, "pve1", "debian12", status: "stopped");
        ours.Name = ours.Config["name"] = GuestTags.GuestName(RunId, "S1");
        _fake.NextIdAnswers.Enqueue(100);
        var testbed = await CreateAsync(Options(), guests: 1);
        try
        {
            Assert.Equal("vm 100 on node pve1", testbed.Guests[0].Identity);
            Assert.Contains(_log, l => l.Contains("already exists") && l.Contains("the guest is ours"));
        }
        finally
        {
            await testbed.DisposeAsync();
        }
        Assert.Empty(RunGuests());
    }

    [Fact]
    public async Task A_lost_clone_answer_followed_by_a_failure_leaves_no_guest()
    {
        _fake.LoseResponse("POST", "/clone$", 596);
        _fake.Fail("PUT", "/qemu/100/config$", 500, "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout", times: 100);
        await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync(Options(), guests: 1));
        Assert.Empty(RunGuests());
        Assert.Equal(1, _fake.RequestCount("POST nodes/pve1/qemu/9000/clone"));
    }

    [Fact]
    public async Task The_final_sweep_finds_a_clone_that_still_has_only_the_templates_tags()
    {
        var clone = _fake.AddGuest(777, "pve1", "debian12", status: "stopped");
        clone.Name = GuestTags.GuestName(RunId, "S3");
        _fake.AddGuest(778, "pve1", "debian12", status: "stopped").Name = "harness-template-copy";
        _fake.AddGuest(779, "pve1", "debian12", status: "stopped").Name = GuestTags.GuestName(RunId + "-2", "S1"); // another run's
        using var client = PveClientTests.Client(_fake);
        var removed = await ProxmoxReaper.ReapRunAsync(client, RunId, TimeSpan.FromSeconds(10), _ => { }, Ct, TimeSpan.FromMilliseconds(5));
        Assert.Single(removed, r => r.StartsWith("vm 777", StringComparison.Ordinal));
        Assert.False(_fake.Guests.ContainsKey(777));
        Assert.True(_fake.Guests.ContainsKey(778));
        Assert.True(_fake.Guests.ContainsKey(779));
    }

    [Fact]
    public async Task An_untagged_clone_of_a_killed_run_is_listed_and_removed_on_demand()
    {
        _fake.AddGuest(779, "pve2", "debian12", status: "stopped").Name = "harness-20251231-235959-0a1b2c-s2";
        var log = new List<string>();
        using var client = PveClientTests.Client(_fake);
        Assert.Empty(await ProxmoxReaper.ReapAsync(client, includeOtherHosts: false, exceptRunId: RunId, TimeSpan.FromSeconds(10), log.Add, Ct, TimeSpan.FromMilliseconds(5)));
        Assert.Contains(log, l => l.Contains("vm 779") && l.Contains("reap-proxmox --all-hosts"));
        Assert.Single(await ProxmoxReaper.ReapAsync(client, includeOtherHosts: true, exceptRunId: RunId, TimeSpan.FromSeconds(10), _ => { }, Ct, TimeSpan.FromMilliseconds(5)));
        Assert.False(_fake.Guests.ContainsKey(779));
        Assert.True(_fake.Guests.ContainsKey(FakePveServer.TemplateId));
    }

    [Theory]
    [InlineData("2026_01_01+run")]
    [InlineData("Run.With.Dots")]
    public async Task Guest_names_are_dns_names_whatever_the_run_id(string runId)
    {
        await (await CreateAsync(Options(), guests: 1, runId: runId)).DisposeAsync();
        Assert.Empty(_fake.SchemaRefusals);
        var clone = Assert.Single(_fake.Requests, r => r.Contains("/clone "));
        Assert.Matches(@"name=harness-[a-z0-9]+(-[a-z0-9]+)*-s1&", clone);
    }

    [Fact]
    public async Task A_template_is_judged_by_its_config_not_by_the_lagging_cluster_list()
    {
        // pvestatd has not caught up: /cluster/resources shows 9000 without its template flag.
        _fake.Guests[FakePveServer.TemplateId].StaleInResources = true;
        await (await CreateAsync(Options(), guests: 1)).DisposeAsync();
        Assert.Equal(1, _fake.RequestCount("GET nodes/pve1/qemu/9000/config"));
    }

    [Fact]
    public async Task A_template_that_is_no_template_by_its_config_is_refused()
    {
        _fake.AddGuest(9100, "pve2", "", status: "stopped");
        var e = await Assert.ThrowsAsync<HarnessConfigurationException>(() => CreateAsync(Options() with { TemplateIds = [9100] }));
        Assert.Contains("VM 9100 is not a template", e.Message);
    }

    [Fact]
    public async Task A_stopped_container_has_no_interfaces_rather_than_an_error()
    {
        _fake.AddGuest(300, "pve1", "x", kind: "lxc", status: "stopped");
        using var client = PveClientTests.Client(_fake);
        var guest = new PveGuestRef("pve1", PveGuestKind.Lxc, 300);
        Assert.Empty(await client.GetInterfacesAsync(guest, Ct));
        _fake.Guests[300].Status = "running";
        var eth0 = Assert.Single(await client.GetInterfacesAsync(guest, Ct), n => n.Name == "eth0");
        Assert.Contains(eth0.Addresses, a => a is { Address: "192.0.2.50", Type: "ipv4", Prefix: 24 });
        Assert.Contains(eth0.Addresses, a => a.Type == "ipv6");
    }

    [Fact]
    public async Task The_client_never_repeats_a_clone_after_an_ambiguous_failure()
    {
        _fake.LoseResponse("POST", "/clone$", 596);
        using var client = PveClientTests.Client(_fake);
        var e = await Assert.ThrowsAsync<PveApiException>(() => client.CloneAsync(
            new PveGuestRef("pve1", PveGuestKind.Vm, FakePveServer.TemplateId), new PveCloneRequest(100, "harness-x-s1", false, null, null), Ct));
        Assert.True(e.IsAmbiguous);
        Assert.Equal(1, _fake.RequestCount("POST nodes/pve1/qemu/9000/clone"));
        // A definite refusal (a lock timeout: the handler ran and made nothing) is still retried.
        _fake.Fail("POST", "/clone$", 500, "can't lock file '/var/lock/qemu-server/lock-9000.conf' - got timeout");
        await client.CloneAsync(new PveGuestRef("pve1", PveGuestKind.Vm, FakePveServer.TemplateId), new PveCloneRequest(101, "harness-x-s2", false, null, null), Ct);
        Assert.Equal(3, _fake.RequestCount("POST nodes/pve1/qemu/9000/clone"));
    }

}
