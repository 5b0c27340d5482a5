using Harness.Load;
using Xunit;

namespace Harness.Tests.Load;

public sealed class LoadGeneratorTests
{
    [Fact]
    public void Stress_ng_runs_in_its_own_group_with_a_fixed_method_and_a_timeout()
    {
        var cmd = ILoadGenerator.For(LoadGeneratorKind.StressNg).StartCpu(0.4, 36, TimeSpan.FromSeconds(90.2));
        Assert.Contains("setsid sh -c 'exec nice -n 19 stress-ng --cpu 1 --cpu-load 36 --cpu-method int64 --timeout 91s", cmd);
        Assert.EndsWith("echo $! > /tmp/harness-cpu.pid", cmd);
        var mem = ILoadGenerator.For(LoadGeneratorKind.StressNg).StartMemory(800L << 20, TimeSpan.FromSeconds(60));
        Assert.Contains("--vm 1 --vm-bytes 819200k --vm-keep --vm-hang 0 --timeout 60s", mem);
    }

    [Fact]
    public void The_papers_mode_caps_stress_with_cpulimit_on_its_busy_worker()
    {
        var generator = ILoadGenerator.For(LoadGeneratorKind.StressCpulimit);
        Assert.Equal(36, generator.OpenLoopSetting(90, 0.4));
        Assert.Equal(90, generator.OpenLoopSetting(90, 1));
        var cmd = generator.StartCpu(0.4, 36, TimeSpan.FromSeconds(60));
        Assert.Contains("nice -n 19 stress --cpu 1 --timeout 60", cmd);
        Assert.Contains("cpulimit -p $w -l 36 -z -q", cmd);
        Assert.Contains("stress --vm 1 --vm-bytes 4096k --vm-hang 0", generator.StartMemory(4 << 20, TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void Pausing_freezes_the_load_and_the_probe_and_resuming_thaws_them()
    {
        Assert.Contains("kill -STOP", StressNg.Pause);
        Assert.Contains("kill -CONT", StressNg.Resume);
        Assert.Contains("/tmp/harness-probe.pid", StressNg.Pause);
    }

    [Fact]
    public void The_probe_command_keeps_its_quoting_intact()
    {
        var cmd = Probe.Start(2000, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));
        Assert.Contains("printf '\\''%s %d %d\\n'\\''", cmd);
        Assert.Contains("harness-probe 2000 0.1 30", cmd);
        Assert.StartsWith("cp -f /bin/bash /tmp/harness-probe || exit 1; setsid", cmd);
    }
}
