using System.Text.Json.Nodes;
using PveEmulator.Runtime;
using Xunit;

namespace PveEmulator.Tests;

/// <summary>The VM-side pieces that need no QEMU: the address rewrite, the cloud-init seed, the command line.</summary>
public sealed class RuntimePartsTests
{
    [Fact]
    public void Only_the_user_mode_IPv4_address_outside_lo_is_replaced_by_the_forwarded_loopback_address()
    {
        var answer = JsonNode.Parse("""
            [{"name":"lo","ip-addresses":[{"ip-address":"127.0.0.1","ip-address-type":"ipv4","prefix":8}]},
             {"name":"eth0","hardware-address":"bc:24:11:00:00:64","ip-addresses":[
               {"ip-address":"10.0.2.15","ip-address-type":"ipv4","prefix":24},
               {"ip-address":"fec0::5054:ff:fe12:3456","ip-address-type":"ipv6","prefix":64}]}]
            """)!;
        QemuRuntime.RewriteUserModeAddress(answer, "127.0.1.7");
        Assert.Equal("127.0.0.1", (string)answer[0]!["ip-addresses"]![0]!["ip-address"]!);
        Assert.Equal("127.0.1.7", (string)answer[1]!["ip-addresses"]![0]!["ip-address"]!);
        Assert.Equal("fec0::5054:ff:fe12:3456", (string)answer[1]!["ip-addresses"]![1]!["ip-address"]!);
    }

    [Fact]
    public void The_seed_carries_ciuser_the_decoded_keys_and_the_network_as_PVE_writes_them()
    {
        var g = new EmuGuest(100, "pve-emu", "qemu");
        g.Config["name"] = "s1";
        g.Config["ciuser"] = "root";
        g.Config["ciupgrade"] = "0";
        g.Config["sshkeys"] = Uri.EscapeDataString("ssh-ed25519 AAAAC3Nza+/x= run-1");
        g.Config["ipconfig0"] = "ip=dhcp";
        var (user, meta, net) = CloudInitSeed.Render(g, "BC:24:11:00:00:64");
        Assert.StartsWith("#cloud-config\n", user, StringComparison.Ordinal);
        Assert.Contains("user: root\n", user, StringComparison.Ordinal);
        Assert.Contains("  - ssh-ed25519 AAAAC3Nza+/x= run-1\n", user, StringComparison.Ordinal);
        Assert.Contains("package_upgrade: false", user, StringComparison.Ordinal);
        Assert.StartsWith("instance-id: ", meta, StringComparison.Ordinal);
        Assert.Contains("mac_address: 'bc:24:11:00:00:64'", net, StringComparison.Ordinal);
        Assert.Contains("type: dhcp4", net, StringComparison.Ordinal);
        g.Config["ipconfig0"] = "ip=192.0.2.10/24,gw=192.0.2.1";
        var (_, meta2, net2) = CloudInitSeed.Render(g, "BC:24:11:00:00:64");
        Assert.Contains("address: '192.0.2.10/24'", net2, StringComparison.Ordinal);
        Assert.NotEqual(meta, meta2); // a changed seed is a new instance to cloud-init
    }

    [Theory]
    [InlineData("lock-timeout:3", FaultKind.LockTimeout, 3)]
    [InlineData("failed-task:qmclone", FaultKind.FailedTask, 1)]
    [InlineData("lost-clone-response", FaultKind.LostCloneResponse, 1)]
    public void Faults_parse_from_the_command_line(string text, FaultKind kind, int remaining)
    {
        var o = EmulatorOptions.Parse(["--fault", text], _ => null);
        Assert.Equal(kind, o.Faults[0].Kind);
        Assert.Equal(remaining, o.Faults[0].Remaining);
    }

    [Fact]
    public void Faults_come_from_the_environment_too_and_bad_ones_are_named()
    {
        var o = EmulatorOptions.Parse([], n => n == "PVE_EMU_FAULTS" ? "agent-late:30, slow-task:qmstart:2" : null);
        Assert.Equal([FaultKind.AgentLate, FaultKind.SlowTask], o.Faults.Select(f => f.Kind));
        var e = Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--fault", "explode"], _ => null));
        Assert.Contains("unknown fault 'explode'", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--token-id", "nobang"], _ => null));
    }
}
