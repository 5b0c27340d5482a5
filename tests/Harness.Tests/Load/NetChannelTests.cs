using Harness.Analysis;
using Harness.Load;
using Harness.Running;
using Harness.Scenarios;
using Xunit;

namespace Harness.Tests.Load;

public sealed class NetChannelTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);

    [Fact]
    public void The_net_antagonist_sends_datagrams_to_every_target_and_ends_itself_by_the_clock()
    {
        var line = Antagonists.NetCommand(["172.17.0.3", "172.17.0.4"], "/tmp/harness-ant-0.pid", Minute);
        Assert.StartsWith("cp -f /bin/dd /tmp/harness-antnetw && cp -f /bin/bash /tmp/harness-antnet || exit 1; setsid /tmp/harness-antnet -c '", line);
        Assert.Contains("/tmp/harness-antnetw if=/dev/zero bs=65507 count=100000000 2>/dev/null >/dev/udp/$a/9 || read -t 0.01 -u 9 _", line);
        Assert.Contains("while (( ${EPOCHREALTIME/./} < end )); do read -t 1 -u 9 _; done; kill -KILL 0", line);
        Assert.EndsWith("' harness-antnet 60 172.17.0.3 172.17.0.4 </dev/null >/dev/null 2>&1 & echo $! > /tmp/harness-ant-0.pid", line);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("example.org")]
    [InlineData("172.17.0.3; rm -rf /")]
    [InlineData("2001:db8::1")]
    public void Traffic_goes_nowhere_but_loopback_and_private_addresses(string target)
    {
        Assert.False(Antagonists.IsOwnNetworkAddress(target));
        Assert.Throws<ArgumentException>(() => Antagonists.NetCommand([target], "/tmp/harness-ant-0.pid", Minute));
        Assert.Throws<ArgumentException>(() => ChannelProbes.Start(Antagonist.Net, Minute, target));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.17.0.2")]
    [InlineData("172.31.255.254")]
    [InlineData("192.168.1.9")]
    [InlineData("fd00::5")]
    [InlineData("fe80::1")]
    public void The_testbeds_own_kinds_of_address_are_accepted(string target) =>
        Assert.True(Antagonists.IsOwnNetworkAddress(target));

    [Fact]
    public void A_net_antagonist_without_anyone_to_send_to_is_refused() =>
        Assert.Throws<ArgumentException>(() => Antagonists.NetCommand([], "/tmp/harness-ant-0.pid", Minute));

    [Fact]
    public void Below_full_intensity_the_net_sender_is_paced_like_the_others()
    {
        var start = Antagonists.Start(new GuestLoad("S1", 0, 0, Antagonists: [new Antagonist(Antagonist.Net, 1)]), 0.4, Minute, ["172.17.0.3"]);
        Assert.Contains("harness-antnet 60 172.17.0.3 ", start);
        Assert.DoesNotContain("stress-ng --", start);
        Assert.Contains("$(cat /tmp/harness-ant-0.pid) 0.002 0.198", start);
    }

    [Fact]
    public void The_round_trip_probe_connects_from_bash_to_a_closed_port_of_its_neighbour_every_20_ms()
    {
        var probe = ChannelProbes.Start(Antagonist.Net, TimeSpan.FromSeconds(30), "172.17.0.4");
        Assert.Contains("{ : <>/dev/tcp/$a/9; } 2>/tmp/harness-net.err", probe);
        Assert.Contains("[[ -z $l || $l == *refused* ]]", probe);
        Assert.Contains("read -t 0.02 -u 9 _", probe);
        Assert.Contains("printf '\\''%s %s %d.%06d\\n'\\''", probe);
        Assert.Contains("' harness-netprobe 30 172.17.0.4 </dev/null >/tmp/harness-chan-net.log 2>/dev/null & echo $! > /tmp/harness-chan-net-loop.pid", probe);
        Assert.Throws<ArgumentException>(() => ChannelProbes.Start(Antagonist.Net, Minute));
    }

    [Fact]
    public void A_round_trip_line_parses_into_microseconds()
    {
        var s = Assert.Single(ChannelProbes.Parse("1795702600.309292 1795702600.309577 0.000285\n"));
        Assert.Equal(285, s.Value, 6);
    }

    [Theory]
    [InlineData(LoadGeneratorKind.StressNg)]
    [InlineData(LoadGeneratorKind.StressCpulimit)]
    public void Every_generators_stop_finds_the_net_sender_and_probe_by_name(LoadGeneratorKind kind)
    {
        var stop = ILoadGenerator.For(kind).StopAllAndList;
        Assert.Contains("harness-antnet", stop);
        Assert.Contains("harness-netprobe", stop);
    }

    [Fact]
    public void The_sender_targets_every_victim_and_each_victim_measures_the_next_one()
    {
        var peers = ChannelRun.NetPeers([("S1", "172.17.0.2", true), ("S2", "172.17.0.3", false), ("S3", "172.17.0.4", false), ("S4", "172.17.0.5", false)]);
        Assert.Equal(["172.17.0.3", "172.17.0.4", "172.17.0.5"], peers["S1"]);
        Assert.Equal(["172.17.0.4"], peers["S2"]);
        Assert.Equal(["172.17.0.5"], peers["S3"]);
        Assert.Equal(["172.17.0.3"], peers["S4"]);
    }

    [Fact]
    public void A_lone_victim_measures_the_sender_and_a_guest_without_an_address_makes_the_row_not_runnable()
    {
        Assert.Equal(["172.17.0.2"], ChannelRun.NetPeers([("S1", "172.17.0.2", true), ("S2", "172.17.0.3", false)])["S2"]);
        var e = Assert.Throws<ScenarioNotRunnableException>(() => ChannelRun.NetPeers([("S1", "172.17.0.2", true), ("S2", null, false)]));
        Assert.Contains("S2", e.Message);
    }

    [Fact]
    public void The_round_trip_metrics_are_costs_in_percent_of_solo_and_read_back_by_id()
    {
        Assert.Equal(MetricDirection.LowerIsBetter, Metric.NetRttP99.Direction);
        Assert.Equal("% of solo round trip", Metric.NetRttP50.Unit);
        Assert.Same(Metric.NetRttP99, Metric.Parse("net-p99-increase"));
        Assert.Same(Metric.NetRttP50, Metric.Parse("net RTT p50 +%"));
        Assert.Equal(0, Metric.NetRttP99.Badness(0, -12));
    }
}
