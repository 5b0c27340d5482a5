using System.Diagnostics;
using Harness.Configuration;
using Harness.Remote;
using Harness.Running;
using Harness.Testbeds.Docker;
using Harness.Tests.Testbeds;
using Xunit;

namespace Harness.Tests.Remote;

/// <summary>
/// A guest that stops answering ends the run in bounded time: every command has a time limit, and a dropped
/// connection is re-established only so many times before the guest counts as unreachable.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class SshShellLimitsTests
{
    private static async Task<DockerTestbed> OneGuestAsync(HarnessOptions options, SshKeyPair key, CancellationToken ct) =>
        await DockerTestbed.CreateAsync(options, IsolationSession.NewRunId(), key, _ => { }, ct);

    [Fact]
    public async Task A_command_that_hangs_fails_at_the_command_timeout_and_the_shell_still_works()
    {
        var ct = TestContext.Current.CancellationToken;
        using var key = SshKeyPair.Create("test");
        await using var testbed = await OneGuestAsync(DockerCli.OneGuest() with { CommandTimeout = TimeSpan.FromSeconds(2) }, key, ct);
        var shell = testbed.Guests[0].Shell;

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<GuestUnreachableException>(() => shell.RunAsync("sleep 120", ct));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Contains("did not finish within 2 s (HARNESS_COMMAND_TIMEOUT_SECONDS)", e.Message);

        Assert.Equal("ok", (await shell.RunAsync("echo ok", ct)).Output.Trim());
    }

    [Fact]
    public async Task A_dropped_connection_is_re_established_up_to_the_budget_then_the_guest_is_unreachable()
    {
        var ct = TestContext.Current.CancellationToken;
        using var key = SshKeyPair.Create("test");
        await using var testbed = await OneGuestAsync(DockerCli.OneGuest() with { SshReconnects = 1 }, key, ct);
        var guest = testbed.Guests[0];
        var shell = (SshShell)guest.Shell;
        var container = DockerCli.ContainerName(guest.Identity);
        Assert.Equal("up", (await shell.RunAsync("echo up", ct)).Output.Trim());

        // The network "cut" from outside: the guest's SSH session processes die, the listener stays.
        await DockerCli.RunAsync(ct, "exec", container, "pkill", "-9", "-f", "sshd: root");
        Assert.Equal("back", (await shell.RunAsync("echo back", ct)).Output.Trim());
        Assert.Equal(1, shell.Reconnections);

        await DockerCli.RunAsync(ct, "exec", container, "pkill", "-9", "-f", "sshd: root");
        var e = await Assert.ThrowsAsync<GuestUnreachableException>(() => shell.RunAsync("echo again", ct));
        Assert.Contains("HARNESS_SSH_RECONNECTS=1", e.Message);
    }
}
