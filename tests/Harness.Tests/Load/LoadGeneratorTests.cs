using Harness.Load;
using Xunit;

namespace Harness.Tests.Load;

public sealed class LoadGeneratorTests
{
    [Fact]
    public void Stress_ng_runs_flat_out_in_its_own_group_and_the_pacer_sets_its_duty_cycle_to_a_tenth_of_a_percent()
    {
        var generator = ILoadGenerator.For(LoadGeneratorKind.StressNg);
        var cmd = generator.StartCpu(0.4, 4.4, TimeSpan.FromSeconds(90.2));
        Assert.Contains("setsid nice -n 19 stress-ng --cpu 1 --cpu-load 100 --cpu-method int64 --timeout 91s </dev/null >/dev/null 2>&1 & echo $! > /tmp/harness-cpu-worker.pid\n", cmd);
        Assert.Contains("harness-pacer 4400 95600 0.095600 1 $(cat /tmp/harness-cpu-worker.pid) ", cmd);
        Assert.EndsWith("echo $! > /tmp/harness-cpu.pid", cmd);
        Assert.Contains("harness-pacer 100000 0 0 1 ", generator.StartCpu(0.4, 100, TimeSpan.FromSeconds(60)));
        var mem = generator.StartMemory(800L << 20, TimeSpan.FromSeconds(60));
        Assert.Contains("--vm 1 --vm-bytes 819200k --vm-keep --vm-hang 0 --timeout 60s", mem);
    }

    [Fact]
    public void The_papers_mode_caps_stress_with_cpulimit_on_its_busy_worker()
    {
        var generator = ILoadGenerator.For(LoadGeneratorKind.StressCpulimit);
        Assert.Equal(1, generator.Step);
        var cmd = generator.StartCpu(0.4, 36, TimeSpan.FromSeconds(60));
        Assert.Contains("nice -n 19 stress --cpu 1 --timeout 60", cmd);
        Assert.Contains("cpulimit -p $w -l 36 -z -q", cmd);
        Assert.Contains("stress --vm 1 --vm-bytes 4096k --vm-hang 0", generator.StartMemory(4 << 20, TimeSpan.FromSeconds(60)));
    }

    [Theory]
    [InlineData(LoadGeneratorKind.StressNg)]
    [InlineData(LoadGeneratorKind.StressCpulimit)]
    public void A_generator_owns_its_process_names_and_stops_and_freezes_all_of_them(LoadGeneratorKind kind)
    {
        var generator = ILoadGenerator.For(kind);
        Assert.Contains("kill -STOP", generator.Pause);
        Assert.Contains("kill -CONT", generator.Resume);
        Assert.Contains("/tmp/harness-probe.pid", generator.Pause);
        foreach (var name in generator.ProcessNames) Assert.Contains(name, generator.StopAllAndList);
        Assert.Contains(Probe.ProcessName, generator.StopAllAndList);
        Assert.Contains("pgrep -a", generator.StopAllAndList);
    }

    [Fact]
    public void Resuming_thaws_the_pacer_and_not_stress_ng_so_a_thaw_never_runs_a_whole_off_phase()
    {
        var generator = ILoadGenerator.For(LoadGeneratorKind.StressNg);
        Assert.Contains("/tmp/harness-cpu-worker.pid", generator.Pause);
        Assert.DoesNotContain("/tmp/harness-cpu-worker.pid", generator.Resume);
    }

    [Fact]
    public void The_sampler_follows_the_generators_processes_apart_from_the_probe()
    {
        var generator = ILoadGenerator.For(LoadGeneratorKind.StressCpulimit);
        var cmd = Sampling.SamplerScript.Command(Sampling.SamplerSource.Cgroup, TimeSpan.FromSeconds(1), generator.ProcessNames);
        Assert.Contains("stress*|cpulimit*)", cmd);
        Assert.Contains("harness-probe)", cmd);
        Assert.StartsWith("exec env LC_ALL=C bash -c", cmd);
    }

    [Fact]
    public void The_probe_command_keeps_its_quoting_intact()
    {
        var cmd = Probe.Start(2000, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));
        Assert.Contains("printf '\\''%s %d %d\\n'\\''", cmd);
        Assert.Contains("harness-probe 2000 0.1 30", cmd);
        // Safe to send again (a command repeated after a dropped SSH connection): it stops an earlier probe first.
        Assert.StartsWith(Probe.Stop + "; cp -f /bin/bash /tmp/harness-probe || exit 1; setsid", cmd);
    }
}
