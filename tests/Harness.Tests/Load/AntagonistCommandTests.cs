using Harness.Load;
using Harness.Scenarios;
using Xunit;

namespace Harness.Tests.Load;

public sealed class AntagonistCommandTests
{
    [Theory]
    [InlineData(LoadGeneratorKind.StressNg)]
    [InlineData(LoadGeneratorKind.StressCpulimit)]
    public void Every_generator_freezes_thaws_and_stops_antagonists_and_channel_probes_with_its_load(LoadGeneratorKind kind)
    {
        var g = ILoadGenerator.For(kind);
        foreach (var glob in new[] { "/tmp/harness-ant-*.pid", "/tmp/harness-antpace-*.pid", "/tmp/harness-chan-*.pid" }) Assert.Contains(glob, g.Pause);
        Assert.Contains("/tmp/harness-chan-*-loop.pid", g.Resume);
        foreach (var name in new[] { "harness-antpace", "harness-ioprobe", "harness-iowrite", "harness-mbprobe", "harness-mbwork" }) Assert.Contains(name, g.StopAllAndList);
        // Killed antagonists are gone before the list of survivors is printed, and their files with them.
        Assert.True(g.StopAllAndList.IndexOf("/tmp/harness-ant-*.pid", StringComparison.Ordinal) < g.StopAllAndList.IndexOf("pgrep -a", StringComparison.Ordinal));
        Assert.Contains("rm -rf /tmp/tmp-stress-ng-*", g.StopAllAndList);
    }

    [Fact]
    public void A_probes_worker_is_thawed_only_by_its_own_loop()
    {
        var g = ILoadGenerator.For(LoadGeneratorKind.StressNg);
        Assert.DoesNotContain("/tmp/harness-chan-*.pid;", g.Resume);
        Assert.Contains("/tmp/harness-chan-*-loop.pid", g.Resume);
    }

    [Theory]
    [InlineData("io", false, 0.4, "--hdd 4 --hdd-bytes 128m --temp-path /tmp --timeout 60s")]
    [InlineData("io", true, 0.4, "--hdd 4 --hdd-bytes 128m --hdd-opts fsync --temp-path /tmp --timeout 60s")]
    [InlineData("membw", false, 1.5, "--stream 2 --timeout 60s")]
    [InlineData("cache", false, 0.4, "--cache 1 --cache-level 3 --cache-no-affinity --timeout 60s")]
    [InlineData("cache", false, 2, "--cache 2 --cache-level 3 --cache-no-affinity --timeout 60s")]
    [InlineData("fork", false, 0.4, "--fork 1 --fork-max 8 --timeout 60s")]
    [InlineData("fork", false, 1.5, "--fork 2 --fork-max 8 --timeout 60s")]
    public void Each_class_is_its_stress_ng_stressor(string cls, bool sync, double cpus, string expected) =>
        Assert.Equal(expected, Antagonists.StressNgArguments(new Antagonist(cls, 100, sync), cpus, TimeSpan.FromSeconds(60)));

    [Fact]
    public void Net_is_not_run_and_a_paced_fork_antagonist_gets_a_pacer()
    {
        Assert.Throws<ArgumentException>(() => Antagonists.StressNgArguments(new Antagonist("net"), 1, TimeSpan.FromSeconds(60)));
        var paced = Antagonists.Start(new GuestLoad("S1", 0, 0, Antagonists: [new Antagonist("fork", 50)]), 0.4, TimeSpan.FromSeconds(60));
        Assert.Contains("exec stress-ng --fork 1 --fork-max 8 --timeout 60s", paced);
        Assert.Contains("$(cat /tmp/harness-ant-0.pid) 0.100 0.100", paced);
    }

    [Fact]
    public void Full_intensity_runs_unpaced_and_a_lower_one_gets_a_pacer_with_that_duty_cycle()
    {
        var full = Antagonists.Start(new GuestLoad("S1", 0, 0, Antagonists: [new Antagonist("io")]), 0.4, TimeSpan.FromSeconds(60));
        Assert.Contains("echo $! > /tmp/harness-ant-0.pid", full);
        Assert.DoesNotContain("harness-antpace-0.pid", full);
        var paced = Antagonists.Start(new GuestLoad("S1", 0, 0, Antagonists: [new Antagonist("membw", 25)]), 0.4, TimeSpan.FromSeconds(60));
        Assert.Contains("$(cat /tmp/harness-ant-0.pid) 0.050 0.150", paced);
        Assert.Contains("echo $! > /tmp/harness-antpace-0.pid", paced);
    }

    [Fact]
    public void Probe_lines_parse_into_latency_and_bandwidth_samples_and_broken_lines_are_left_out()
    {
        var io = ChannelProbes.Parse("100.5 100.51 0.00025\n100.6 100.61 6.4737e-05\n100.7 100.71 dd: error\n100.9 100.8 0.1\n");
        Assert.Equal([new ChannelSample(100.5, 100.51, 250), new ChannelSample(100.6, 100.61, 64.737)], io.Select(s => s with { Value = Math.Round(s.Value, 3) }));
        var bw = Assert.Single(ChannelProbes.Parse("200.0 200.02 671088640 9800000\n"));
        Assert.Equal((671088640d, 9800000d), (bw.Value, bw.Cpu));
    }

    [Fact]
    public void Probe_commands_keep_their_quoting_intact()
    {
        var io = ChannelProbes.Start("io", TimeSpan.FromSeconds(30));
        Assert.Contains("printf '\\''%s %s %s\\n'\\''", io);
        Assert.Contains("harness-ioprobe 30 </dev/null >/tmp/harness-chan-io.log", io);
        var bw = ChannelProbes.Start("membw", TimeSpan.FromSeconds(30));
        Assert.Contains("echo $! > /tmp/harness-chan-membw-loop.pid", bw);
        Assert.Throws<ArgumentException>(() => ChannelProbes.Start("net", TimeSpan.FromSeconds(30)));
    }
}
