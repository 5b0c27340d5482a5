using System.CommandLine;
using Harness.Cli.Commands;
using Harness.Configuration;
using Harness.Remote;
using Harness.Testbeds;
using Harness.Testbeds.Proxmox;
using Spectre.Console;
using Xunit;

namespace Harness.Tests.Proxmox;

/// <summary>The Proxmox backend as a session and the <c>provision</c> command call it, with guests reached through a fake connector.</summary>
public sealed partial class ProxmoxTestbedTests
{
    [Fact]
    public async Task The_configured_command_timeout_and_reconnects_reach_every_guest_connection()
    {
        var seen = new List<RemoteShellOptions>();
        ITestbedBackend backend = new ProxmoxBackend((_, _, _, remote, _) =>
        {
            lock (seen) seen.Add(remote);
            return Task.FromResult<(IRemoteShell, string?)>((new SilentShell(), "fakehostkey"));
        });
        // Values no default has, read through the settings loader as a user would set them.
        var options = OptionsLoader.Load(new Dictionary<string, string>
        {
            ["HARNESS_COMMAND_TIMEOUT_SECONDS"] = "7",
            ["HARNESS_SSH_RECONNECTS"] = "5",
        }, hostCores: 2) with { GuestCount = 2, BackendSettings = Options() };
        using var key = SshKeyPair.Create("t");

        await (await backend.CreateAsync(new TestbedRequest(options, RunId, key, m => { lock (_log) _log.Add(m); }), Ct)).DisposeAsync();

        Assert.Equal(2, seen.Count);
        Assert.All(seen, r => Assert.Equal(new RemoteShellOptions(TimeSpan.FromSeconds(7), 5), r));
    }

    [Fact]
    public async Task Provision_names_the_guest_whose_ssh_never_came_up_in_one_line_leaves_nothing_and_exits_1()
    {
        // Like sshd that never accepts the run's key: refused until the boot deadline, then the connector gives up.
        var backend = new ProxmoxBackend(async (address, user, deadline, _, ct) =>
        {
            var left = deadline - DateTime.UtcNow;
            if (left > TimeSpan.Zero) await Task.Delay(left, ct);
            throw new TimeoutException($"SSH to {user}@{address} did not accept the run's key (last error: Connection refused)");
        });
        var output = Path.Combine(Path.GetTempPath(), "harness-provision-" + Guid.NewGuid().ToString("N"));
        var options = new HarnessOptions { Backend = backend.Name, OutputDirectory = output, BackendSettings = Options() with { BootTimeout = TimeSpan.FromSeconds(1) } };
        using var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        var root = new RootCommand { ProvisionCommand.Create(console, () => (options, backend)) };

        // Without the default handler an escaping exception fails this test instead of being printed.
        var exit = await root.Parse(["provision", "--guests", "2"]).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, Ct);

        Assert.Equal(1, exit);
        var error = Assert.Single(text.ToString().Split('\n'), l => l.StartsWith("provision failed:", StringComparison.Ordinal));
        Assert.Matches(@"^provision failed: guest S[12] \(vm \d+ on node pve\d\) did not come up within 1 s \(HARNESS_PVE_BOOT_TIMEOUT_SECONDS\): SSH to root@192\.0\.2\.\d+ ", error);
        Assert.EndsWith("Every guest it created was removed.", error.TrimEnd());
        Assert.DoesNotContain("   at ", text.ToString());
        Assert.True(_fake.RequestCount("POST nodes/pve1/qemu/9000/clone") > 0, text.ToString());
        Assert.Empty(RunGuests());
        Assert.False(Directory.Exists(output));
    }
}
