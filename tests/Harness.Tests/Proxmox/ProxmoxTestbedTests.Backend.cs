using Harness.Configuration;
using Harness.Remote;
using Harness.Testbeds;
using Harness.Testbeds.Proxmox;
using Xunit;

namespace Harness.Tests.Proxmox;

/// <summary>The Proxmox backend as a session calls it, with guests reached through a fake connector.</summary>
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
}
