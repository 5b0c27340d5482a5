using Harness.Configuration;
using Harness.Tests.Pve;
using Harness.Testbeds.Proxmox.Doctor;
using Xunit;

namespace Harness.Tests.Proxmox;

/// <summary>The preflight check against <see cref="FakePveServer"/>, which serves its schema as a node's apidoc.js.</summary>
public sealed class DoctorTests : IAsyncLifetime
{
    private FakePveServer _fake = null!;

    public async ValueTask InitializeAsync() => _fake = await FakePveServer.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    private PveOptions Options(PveGuestKind kind = PveGuestKind.Vm) => _fake.Options(kind) with { CpuLimit = 0.5 };

    private async Task<DoctorReport> RunAsync(PveOptions options)
    {
        using var client = PveClientTests.Client(_fake);
        var report = await ProxmoxDoctor.RunAsync(client, options, roundTrip: false, _ => { }, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(FakePveServer.TokenSecret, report.Render());
        return report;
    }

    private static DoctorFinding Blocking(DoctorReport report) => Assert.Single(report.Findings, f => f.Status == DoctorStatus.Blocking);

    [Theory]
    [InlineData(PveGuestKind.Vm, "8.4.1")]
    [InlineData(PveGuestKind.Vm, "9.0.3")]
    [InlineData(PveGuestKind.Lxc, "9.0.3")]
    public async Task A_cluster_set_up_as_documented_is_all_green(PveGuestKind kind, string version)
    {
        _fake.Version = version;
        var report = await RunAsync(Options(kind));
        Assert.False(report.Blocks, report.Render());
        Assert.Equal(0, report.ExitCode);
        Assert.Contains(report.Findings, f => f.Check == "requests against the node's schema" && f.Status == DoctorStatus.Ok);
        Assert.Contains(report.Findings, f => f.Check == "token privileges" && f.Status == DoctorStatus.Ok);
        Assert.Empty(_fake.SchemaRefusals); // doctor's own requests pass PVE's check too
    }

    [Fact]
    public async Task A_missing_privilege_is_named_with_its_path_and_fix()
    {
        _fake.Privileges.Remove("VM.PowerMgmt");
        var report = await RunAsync(Options());
        var f = Blocking(report);
        Assert.Equal("privilege VM.PowerMgmt on /vms", f.Check);
        Assert.Contains("start and stop", f.Detail);
        Assert.Contains("pveum role modify", f.Fix);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    public async Task After_an_upgrade_to_pve_9_a_role_with_only_vm_monitor_is_named()
    {
        _fake.Version = "9.0.3";
        _fake.Privileges.Remove("VM.GuestAgent.Audit"); // what an 8 -> 9 upgrade leaves of a custom role with VM.Monitor
        var f = Blocking(await RunAsync(Options()));
        Assert.Equal("privilege VM.GuestAgent.Audit or VM.GuestAgent.Unrestricted on /vms", f.Check);
        Assert.Contains("upgrade from PVE 8 drops it", f.Detail);
    }

    [Fact]
    public async Task A_template_without_the_agent_is_named()
    {
        _fake.Guests[FakePveServer.TemplateId].Config["agent"] = "0";
        var f = Blocking(await RunAsync(Options()));
        Assert.Equal($"template {FakePveServer.TemplateId}", f.Check);
        Assert.Contains("qm set 9000 --agent 1", f.Fix);
    }

    [Fact]
    public async Task A_storage_without_linked_clones_is_named()
    {
        _fake.Storages[0]["type"] = "lvm";
        var f = Blocking(await RunAsync(Options()));
        Assert.Contains("cannot make linked clones", f.Detail);
        Assert.Contains("HARNESS_PVE_CLONE_MODE=full", f.Fix);
    }

    [Fact]
    public async Task A_missing_bridge_is_named_per_node()
    {
        var report = await RunAsync(Options() with { Bridge = "vmbr9" });
        Assert.Equal(["bridge vmbr9 on pve1", "bridge vmbr9 on pve2"], report.Findings.Where(f => f.Status == DoctorStatus.Blocking && f.Check.StartsWith("bridge", StringComparison.Ordinal)).Select(f => f.Check));
    }

    [Fact]
    public async Task A_setting_the_nodes_schema_refuses_is_found_before_a_run()
    {
        // PVE's qemu cpulimit stops at 128; the request a run would send is checked against the node's own apidoc.js.
        var report = await RunAsync(Options() with { CpuLimit = 200 });
        var refused = report.Findings.Where(f => f.Status == DoctorStatus.Blocking).ToList();
        Assert.Equal(2, refused.Count); // one per node
        Assert.All(refused, f => Assert.Equal("request for config of a new VM", f.Check));
        Assert.All(refused, f => Assert.Contains("cpulimit: value must have a maximum value of 128", f.Detail));
        Assert.Equal(0, _fake.RequestCount("PUT")); // checked, not sent
    }

    [Fact]
    public async Task A_node_without_the_api_viewer_skips_the_schema_check()
    {
        _fake.ServeApiDoc = false;
        var report = await RunAsync(Options());
        Assert.Equal(0, report.ExitCode);
        Assert.Contains(report.Findings, f => f.Check == "requests against the node's schema" && f.Status == DoctorStatus.Skipped);
    }

    [Fact]
    public async Task A_wrong_token_stops_at_the_first_finding()
    {
        using var client = PveClientTests.Client(_fake, secret: "00000000-0000-0000-0000-000000000000");
        var report = await ProxmoxDoctor.RunAsync(client, Options(), false, _ => { }, TestContext.Current.CancellationToken);
        var f = Assert.Single(report.Findings);
        Assert.Contains("HARNESS_PVE_TOKEN_SECRET", f.Detail);
        Assert.Equal(1, report.ExitCode);
    }
}
