using System.Diagnostics;
using Harness.Configuration;
using Harness.Tests.Pve;
using Xunit;

namespace Harness.Tests.Proxmox;

/// <summary><c>Harness.Cli doctor</c> as a user runs it, against the fake node on 127.0.0.1.</summary>
public sealed class DoctorCommandTests : IAsyncLifetime
{
    private FakePveServer _fake = null!;

    public async ValueTask InitializeAsync() => _fake = await FakePveServer.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    private async Task<(int Exit, string Output)> DoctorAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var cli = Path.Combine(OptionsLoader.RepositoryRoot()!, "src", "Harness.Cli", "bin", here.Parent!.Name, here.Name, "Harness.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} is missing; build the solution");
        var psi = new ProcessStartInfo("dotnet", [cli, "doctor"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var k in psi.Environment.Keys.Where(k => k.Contains("HARNESS_PVE_", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(k);
        psi.Environment["HARNESS_PVE_URL"] = _fake.Url.ToString();
        psi.Environment["HARNESS_PVE_NODES"] = "pve1,pve2";
        psi.Environment["HARNESS_PVE_TOKEN_ID"] = FakePveServer.TokenId;
        psi.Environment["HARNESS_PVE_TOKEN_SECRET"] = FakePveServer.TokenSecret;
        psi.Environment["HARNESS_PVE_FINGERPRINT"] = _fake.Fingerprint;
        psi.Environment["HARNESS_PVE_TEMPLATE"] = FakePveServer.TemplateId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["HARNESS_PVE_BRIDGE"] = "vmbr0";
        psi.Environment["COLUMNS"] = "200";
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await error;
        Assert.DoesNotContain(FakePveServer.TokenSecret, text);
        return (process.ExitCode, text);
    }

    [Fact]
    public async Task A_good_cluster_exits_0_and_a_missing_privilege_exits_1_naming_it()
    {
        var (exit, output) = await DoctorAsync();
        Assert.True(exit == 0, output);
        Assert.Contains("requests against the node's schema: all", output);
        Assert.Contains("nothing blocks a run", output);

        _fake.Version = "9.0.3";
        _fake.Privileges.Remove("VM.GuestAgent.Audit");
        (exit, output) = await DoctorAsync();
        Assert.Equal(1, exit);
        Assert.Contains("privilege VM.GuestAgent.Audit or VM.GuestAgent.Unrestricted on /vms", output);
    }
}
