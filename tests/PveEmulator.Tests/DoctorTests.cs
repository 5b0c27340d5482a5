using Xunit;
using Harness.Configuration;
using Harness.Testbeds.Proxmox.Doctor;

namespace PveEmulator.Tests;

/// <summary>The harness's preflight check against the emulator: all OK with every privilege, and a missing one named.</summary>
public sealed class DoctorTests
{
    [Fact]
    public async Task Doctor_finds_nothing_blocking_on_the_emulated_node()
    {
        await using var emu = await Emulator.StartAsync("--schema", "default");
        var report = await ProxmoxDoctor.RunAsync(Options(emu), false, _ => { }, Emulator.Timeout(60));

        Assert.False(report.Blocks, report.Render());
        // The schema check ran against the API viewer script the emulator serves, not skipped.
        Assert.Contains(report.Findings, f => f.Check.Contains("schema", StringComparison.Ordinal) && f.Status == DoctorStatus.Ok);
        Assert.Equal(0, emu.Host.Validator.Refused);
    }

    [Fact]
    public async Task Doctor_names_the_privilege_the_token_lacks()
    {
        var allButClone = string.Join(',', PveApi.AllPrivileges.Where(p => p != "VM.Clone"));
        await using var emu = await Emulator.StartAsync("--schema", "default", "--privileges", allButClone);
        var report = await ProxmoxDoctor.RunAsync(Options(emu), false, _ => { }, Emulator.Timeout(60));

        Assert.Equal(1, report.ExitCode);
        var blocking = Assert.Single(report.Findings, f => f.Status == DoctorStatus.Blocking);
        Assert.Contains("VM.Clone", blocking.Check, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_finds_nothing_blocking_for_lxc_guests_and_every_lxc_request_passes_the_nodes_schema()
    {
        await using var emu = await Emulator.StartAsync("--schema", "default");
        var lxc = Options(emu) with { Kind = PveGuestKind.Lxc, OsTemplate = PveEmulator.Runtime.Lxc.FakeContainerRuntime.Archive, Storage = "local", TemplateIds = [] };
        var report = await ProxmoxDoctor.RunAsync(lxc, false, _ => { }, Emulator.Timeout(60));

        Assert.False(report.Blocks, report.Render());
        Assert.Contains(report.Findings, f => f.Check.Contains("storage local", StringComparison.Ordinal) && f.Status == DoctorStatus.Ok);
        Assert.Equal(0, emu.Host.Validator.Refused);
    }

    private static PveOptions Options(Emulator emu) => new()
    {
        Url = emu.Host.Url, Nodes = [emu.Api.Options.Node], TokenId = emu.Api.Options.TokenId, TokenSecret = Emulator.Secret,
        Fingerprint = emu.Host.Fingerprint, TemplateIds = [emu.Api.Options.TemplateId],
    };
}
