using System.Runtime.CompilerServices;
using Harness.Configuration;
using Harness.Remote;
using Harness.Sampling;
using Harness.Tests.Pve;
using Harness.Testbeds.Proxmox;
using Xunit;

namespace Harness.Tests.Proxmox;

/// <summary>Reaping, containers and host-side sampling on the fake.</summary>
public sealed partial class ProxmoxTestbedTests
{
    [Fact]
    public async Task Orphans_of_this_machine_are_reaped_at_start_and_others_are_left_alone()
    {
        var host = Environment.MachineName.ToLowerInvariant();
        _fake.AddGuest(500, "pve1", $"harness;run-old;host-{host};pid-{DeadPid()}");
        _fake.AddGuest(501, "pve2", "harness;run-other;host-elsewhere;pid-1");
        _fake.AddGuest(502, "pve1", "production");
        await using var testbed = await CreateAsync(Options(), guests: 1);
        Assert.False(_fake.Guests.ContainsKey(500));
        Assert.True(_fake.Guests.ContainsKey(501));
        Assert.True(_fake.Guests.ContainsKey(502));
        Assert.Contains(_log, l => l.Contains("removed guest left by an earlier run: vm 500 on node pve1"));

        using var client = PveClientTests.Client(_fake);
        var reaped = await ProxmoxReaper.ReapAsync(client, includeOtherHosts: true, exceptRunId: RunId, TimeSpan.FromSeconds(10), _ => { }, Ct, TimeSpan.FromMilliseconds(5));
        Assert.Single(reaped, r => r.StartsWith("vm 501", StringComparison.Ordinal));
        Assert.True(_fake.Guests.ContainsKey(100)); // the live run's own guest stays
        Assert.True(_fake.Guests.ContainsKey(502));
    }

    [Fact]
    public async Task Containers_are_created_with_the_key_and_read_from_their_cgroup()
    {
        var testbed = await CreateAsync(Options(PveGuestKind.Lxc), guests: 2);
        try
        {
            Assert.Equal(["ct 100 on node pve1", "ct 101 on node pve2"], testbed.Guests.Select(g => g.Identity));
            Assert.All(testbed.Guests, g => Assert.Equal(SamplerSource.Cgroup, g.SamplerSource));
            Assert.Contains(_fake.Requests, r => r.StartsWith("POST nodes/pve2/lxc ", StringComparison.Ordinal)
                && r.Contains("net0=name=eth0,bridge=vmbr0,ip=dhcp") && r.Contains("rootfs=local-lvm:4") && r.Contains("ssh-public-keys=<key>")
                && r.Contains("unprivileged=1"));
            Assert.StartsWith("ecdsa-sha2-nistp256 ", _fake.Guests[100].Config["ssh-public-keys"]);
            Assert.Equal(2, _fake.RequestCount("GET nodes/pve1/lxc/100/interfaces") + _fake.RequestCount("GET nodes/pve2/lxc/101/interfaces"));
        }
        finally
        {
            await testbed.DisposeAsync();
        }
        Assert.Empty(RunGuests());
    }

    [Fact]
    public async Task Host_side_samples_are_recorded_per_guest()
    {
        await using var testbed = await CreateAsync(Options(), guests: 2);
        using var client = PveClientTests.Client(_fake);
        await using var sampler = PveStatusSampler.Start(
            client, testbed.Guests.OfType<ProxmoxGuest>().Select(g => (g.Name, g.Ref)).ToList(), TimeSpan.FromMilliseconds(20));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (sampler.Samples.Count < 6 && DateTime.UtcNow < deadline) await Task.Delay(10, Ct);
        await sampler.StopAsync();
        var s1 = sampler.Samples.Where(s => s.Guest == "S1").ToList();
        Assert.True(s1.Count >= 3);
        Assert.All(s1, s => Assert.Equal(25, s.CpuPercent, 3));
        Assert.All(s1, s => Assert.Equal(25, s.MemPercent, 3));
        Assert.True(s1.Zip(s1.Skip(1)).All(p => p.First.At <= p.Second.At));
    }

    private static int DeadPid()
    {
        using var p = System.Diagnostics.Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }

}
