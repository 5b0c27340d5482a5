using System.Text.Json.Nodes;
using PveEmulator.Runtime.Lxc;
using Xunit;

namespace PveEmulator.Tests;

/// <summary>The container-side pieces that need no Docker: the interfaces answer, the limits, the cgroup figures.</summary>
public sealed class LxcRuntimePartsTests
{
    [Fact]
    public void Interfaces_keep_ips_own_family_words_and_rewrite_only_the_engine_address_outside_lo()
    {
        var ip = JsonNode.Parse("""
            [{"ifname":"lo","address":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
             {"ifname":"eth0","address":"02:42:ac:11:00:03","addr_info":[
               {"family":"inet","local":"172.17.0.3","prefixlen":16},{"family":"inet","local":"10.9.9.9","prefixlen":24},
               {"family":"inet6","local":"fe80::42:acff:fe11:3","prefixlen":64}]}]
            """)!;
        var answer = LxcInterfaces.FromIpJson(ip, "172.17.0.3", "127.0.1.9").AsArray();

        var eth0 = answer[1]!;
        Assert.Equal("eth0", (string?)eth0["name"]);
        Assert.Equal("02:42:ac:11:00:03", (string?)eth0["hwaddr"]);
        Assert.Equal("02:42:ac:11:00:03", (string?)eth0["hardware-address"]);
        var ips = eth0["ip-addresses"]!.AsArray();
        Assert.Equal(["inet", "inet", "inet6"], ips.Select(a => (string)a!["ip-address-type"]!));
        Assert.Equal(["127.0.1.9", "10.9.9.9", "fe80::42:acff:fe11:3"], ips.Select(a => (string)a!["ip-address"]!));
        Assert.Equal(16, (int)ips[0]!["prefix"]!);
        // The legacy per-family fields hold the last address of the family, as pve-container's loop leaves them.
        Assert.Equal("10.9.9.9/24", (string?)eth0["inet"]);
        Assert.Equal("127.0.0.1/8", (string?)answer[0]!["inet"]);
    }

    [Fact]
    public void Limits_are_pves_cgroup_values_as_engine_flags()
    {
        var ct = new EmuGuest(130, "pve-emu", "lxc");
        ct.Config["memory"] = "1024";
        ct.Config["swap"] = "0";
        ct.Config["cpulimit"] = "0.5";
        ct.Config["cpuunits"] = "100";
        var args = string.Join(' ', ContainerLimits.UpdateArguments(ct, [1]));
        Assert.Equal("--memory 1024m --memory-swap 1024m --cpu-shares 100 --cpu-period 100000 --cpu-quota 50000 --cpuset-cpus 1", args);

        var defaults = string.Join(' ', ContainerLimits.CreateArguments(new EmuGuest(131, "pve-emu", "lxc")));
        Assert.Equal("--memory 512m --memory-swap 1024m --cpu-shares 1024 --cpu-period 100000 --cpu-quota -1", defaults);
    }

    [Fact]
    public void Cores_get_the_least_used_cpus_and_none_when_they_cover_the_host()
    {
        var ct = new EmuGuest(132, "pve-emu", "lxc");
        ct.Config["cores"] = "1";
        Assert.Equal<int[]?>([0], ContainerLimits.PickCpus(ct, [], hostCpus: 2));
        Assert.Equal<int[]?>([1], ContainerLimits.PickCpus(ct, [[0]], hostCpus: 2));
        Assert.Equal<int[]?>([0], ContainerLimits.PickCpus(ct, [[0], [1]], hostCpus: 2));
        Assert.Equal<int[]?>([2], ContainerLimits.PickCpus(ct, [[0], [1], null], hostCpus: 4));
        ct.Config["cores"] = "2";
        Assert.Null(ContainerLimits.PickCpus(ct, [], hostCpus: 2));
    }

    [Fact]
    public void Cgroup_figures_are_pve_commons_cpu_and_memory_stat()
    {
        var root = Directory.CreateTempSubdirectory("cgroup-test.").FullName;
        try
        {
            // A v1 tree in the shape the kernel gives, at the paths this very process's /proc/self/cgroup names.
            foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
            {
                var parts = line.Split(':', 3);
                foreach (var c in parts[1].Split(',').Where(c => c is "cpuacct" or "memory"))
                {
                    var dir = Directory.CreateDirectory(Path.Combine(root, c, parts[2].TrimStart('/'))).FullName;
                    if (c == "cpuacct") File.WriteAllText(Path.Combine(dir, "cpuacct.stat"), "user 250\nsystem 50\n");
                    if (c != "memory") continue;
                    File.WriteAllText(Path.Combine(dir, "memory.usage_in_bytes"), "300000000\n");
                    File.WriteAllText(Path.Combine(dir, "memory.memsw.usage_in_bytes"), "310000000\n");
                    File.WriteAllText(Path.Combine(dir, "memory.stat"), "cache 1\ntotal_cache 100000000\ntotal_rss 200000000\n");
                }
            }
            var usage = new ContainerCgroupStats(Environment.ProcessId, root).Read();

            Assert.NotNull(usage);
            Assert.Equal(3.0, usage.CpuSeconds, 6); // (250 + 50) ticks at 100 per second
            Assert.Equal(200_000_000, usage.MemBytes); // usage minus total_cache
            Assert.Equal(10_000_000, usage.SwapBytes); // memsw usage minus usage
            Assert.True(usage.UptimeSeconds >= 0);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
