using Docker.DotNet.Models;
using Harness.Reporting;
using Harness.Reporting.Comparison;
using Harness.Testbeds;
using Harness.Testbeds.Docker;
using Xunit;

namespace Harness.Tests.Reporting;

public sealed class ProvenanceComparisonTests
{
    internal static RunRecord WithFacts(RunRecord run, params (string Key, string Value)[] facts)
    {
        var testbed = new Dictionary<string, string>(run.Testbed);
        foreach (var (key, value) in facts) testbed[key] = value;
        return new RunRecord { RunId = run.RunId, StartedAt = run.StartedAt, Settings = run.Settings, Scenarios = run.Scenarios, Testbed = testbed };
    }

    [Fact]
    public void A_baseline_with_other_isolation_controls_is_refused_naming_each_difference()
    {
        var run = WithFacts(RecordedRun.Load(), ("guest.S1.cpu.weight", "2048"), ("guest.S2.cpu.set", "0"), ("host.cpu.governor", "performance"));
        var baseline = WithFacts(RecordedRun.Load(), ("guest.S1.cpu.weight", "1024"), ("guest.S2.cpu.set", "all"), ("host.cpu.governor", "powersave"));

        var comparison = RunComparison.Compare(run, baseline);

        Assert.True(comparison.Refused);
        Assert.Equal(RunComparison.ExitProvenanceDiffers, comparison.ExitCode);
        Assert.Contains("S1 CPU weight (shares, cpuunits) 1024 → 2048", comparison.RefusalMessage);
        Assert.Contains("S2 cpuset / affinity all → 0", comparison.RefusalMessage);
        Assert.Contains("CPU governor powersave → performance", comparison.RefusalMessage);
        Assert.Contains("--compare-anyway", comparison.RefusalMessage);
        Assert.StartsWith("# Run", ComparisonMarkdown.Render(comparison));
        Assert.Contains("**NOT COMPARABLE**", ComparisonMarkdown.Render(comparison));

        var anyway = RunComparison.Compare(run, baseline, new ComparisonOptions(CompareAnyway: true));
        Assert.False(anyway.Refused);
        Assert.Equal(RunComparison.ExitOk, anyway.ExitCode);
        Assert.Equal(3, anyway.Incomparable.Count);
        Assert.Contains("Compared anyway", ComparisonMarkdown.Render(anyway));
    }

    [Fact]
    public void A_scenario_whose_guests_were_sized_otherwise_in_the_baseline_is_refused_naming_the_sizes()
    {
        static RunRecord Sized(RunRecord run, double firstGuestCpus) => new()
        {
            RunId = run.RunId, StartedAt = run.StartedAt, Settings = run.Settings, Testbed = run.Testbed,
            Scenarios = run.Scenarios.Select((s, i) => s with
            {
                Guests = s.Guests.Select((g, j) => g with { Allocation = new GuestAllocation(i == 0 && j == 0 ? firstGuestCpus : 0.4, 1L << 30) }).ToArray(),
            }).ToList(),
        };
        var recorded = RecordedRun.Load();

        var comparison = RunComparison.Compare(Sized(recorded, 0.6), Sized(recorded, 0.4));

        Assert.True(comparison.Refused);
        Assert.Contains($"{recorded.Scenarios[0].Name}: guest sizes S1 0.4 CPU, 1024 MiB", comparison.RefusalMessage);
        Assert.Contains("→ S1 0.6 CPU, 1024 MiB", comparison.RefusalMessage);
        Assert.False(RunComparison.Compare(Sized(recorded, 0.4), Sized(recorded, 0.4)).Refused);
        Assert.False(RunComparison.Compare(Sized(recorded, 0.6), recorded).Refused); // the baseline predates sizes
    }

    internal static RunRecord WithSettings(RunRecord run, params (string Key, string? Value)[] settings)
    {
        var all = new Dictionary<string, string>(run.Settings);
        foreach (var (key, value) in settings)
        {
            if (value is null) all.Remove(key);
            else all[key] = value;
        }
        return new RunRecord { RunId = run.RunId, StartedAt = run.StartedAt, Settings = all, Scenarios = run.Scenarios, Testbed = run.Testbed };
    }

    [Fact]
    public void A_baseline_measured_with_other_segment_lengths_or_on_another_backend_is_refused()
    {
        var recorded = RecordedRun.Load();
        var run = WithSettings(recorded, ("soloWindowSeconds", "0.75"), ("backend", "proxmox"));
        var baseline = WithSettings(recorded, ("soloWindowSeconds", "1.5"), ("backend", "docker"));

        var comparison = RunComparison.Compare(run, baseline);

        Assert.True(comparison.Refused);
        Assert.Contains("setting solo segment length in a light row (s) 1.5 → 0.75", comparison.RefusalMessage);
        Assert.Contains("setting backend docker → proxmox", comparison.RefusalMessage);
        // Thresholds and tolerances judge the figures but do not make them: compared as usual.
        Assert.False(RunComparison.Compare(WithSettings(recorded, ("slowdownThreshold", "50")), recorded).Refused);
    }

    [Fact]
    public void A_baseline_from_before_solo_segments_had_their_own_length_is_read_with_its_segment_length()
    {
        var recorded = RecordedRun.Load();
        var before = WithSettings(recorded, ("windowSeconds", "1.5"), ("soloWindowSeconds", null));

        Assert.True(RunComparison.Compare(WithSettings(recorded, ("windowSeconds", "1.5"), ("soloWindowSeconds", "0.75")), before).Refused);
        Assert.False(RunComparison.Compare(WithSettings(recorded, ("windowSeconds", "1.5"), ("soloWindowSeconds", "1.5")), before).Refused);
    }

    [Fact]
    public void Versions_are_informational_and_a_control_recorded_on_one_side_only_is_not_refused()
    {
        var run = WithFacts(RecordedRun.Load(), ("pve.version", "9.0.3"), ("host.kernel", "6.14.8-2-pve"), ("qemu.version", "10.0.2"), ("guest.S1.memory.limit_bytes", "1073741824"));
        var baseline = WithFacts(RecordedRun.Load(), ("pve.version", "8.4.1"), ("qemu.version", "9.2.0"));

        var comparison = RunComparison.Compare(run, baseline);

        Assert.False(comparison.Refused);
        Assert.Equal(RunComparison.ExitOk, comparison.ExitCode);
        Assert.Equal(["memory limit (bytes)", "kernel", "pve-manager", "QEMU"], comparison.Provenance.Select(d => d.Control.Label));
        Assert.Empty(comparison.Incomparable);
    }

    [Fact]
    public void Proxmox_controls_are_read_from_the_recorded_guest_config_and_node_status()
    {
        var before = RunProvenance.Of(new Dictionary<string, string>
        {
            ["guest.S1.config.cpuunits"] = "100", ["guest.S1.config.memory"] = "1024", ["guest.S1.config.cpu"] = "host",
            ["guest.S2.config.memory"] = "1024", ["node.pve1.kernel"] = "Linux 6.8.12-9-pve", ["pve.version"] = "8.4.1",
        });
        var after = RunProvenance.Of(new Dictionary<string, string>
        {
            ["guest.S1.config.cpuunits"] = "200", ["guest.S1.config.memory"] = "1024", ["guest.S1.config.cpu"] = "host",
            ["guest.S2.config.memory"] = "1024", ["guest.S2.config.affinity"] = "0-3", ["node.pve1.kernel"] = "Linux 6.14.8-2-pve", ["pve.version"] = "9.0.3",
        });

        Assert.Equal(["S1", "S2"], after.Guests);
        Assert.Equal("1073741824", after.Value(ProvenanceControl.MemoryLimit, "S1"));
        Assert.Equal("default", after.Value(ProvenanceControl.CpuWeight, "S2")); // not in the config: PVE's default
        Assert.Equal(
            ["S1 CPU weight (shares, cpuunits) 100 → 200", "S2 cpuset / affinity default → 0-3", "kernel Linux 6.8.12-9-pve → Linux 6.14.8-2-pve", "pve-manager 8.4.1 → 9.0.3"],
            after.DifferencesFrom(before).Select(d => d.ToString()));
        Assert.True(RunProvenance.IsControlKey("guest.S1.config.cpuunits"));
        Assert.False(RunProvenance.IsControlKey("guest.S1.config.net0"));
    }

    [Fact]
    public void Docker_controls_are_read_from_the_containers_host_config()
    {
        var facts = DockerProvenance.FactsOf("S1", new HostConfig { NanoCPUs = 400_000_000, Memory = 268_435_456, CpusetCpus = "0-1" });
        Assert.Equal("0.4", facts["guest.S1.cpu.quota"]);
        Assert.Equal("1024", facts["guest.S1.cpu.weight"]); // 0 = Docker's default weight
        Assert.Equal("0-1", facts["guest.S1.cpu.set"]);
        Assert.Equal("268435456", facts["guest.S1.memory.limit_bytes"]);

        var quota = DockerProvenance.FactsOf("S2", new HostConfig { CPUQuota = 50_000, CPUPeriod = 100_000, CPUShares = 512 });
        Assert.Equal(("0.5", "512", "all", "unlimited"),
            (quota["guest.S2.cpu.quota"], quota["guest.S2.cpu.weight"], quota["guest.S2.cpu.set"], quota["guest.S2.memory.limit_bytes"]));
        Assert.Equal(["S2"], RunProvenance.Of(quota).Guests);
    }

    [Fact]
    public void Host_governor_ksm_and_cpu_model_are_read_from_sys_and_proc()
    {
        var root = Directory.CreateTempSubdirectory("host-provenance-").FullName;
        foreach (var (cpu, governor) in new[] { ("cpu0", "performance"), ("cpu1", "powersave"), ("cpu2", "performance") })
        {
            Directory.CreateDirectory(Path.Combine(root, "sys/devices/system/cpu", cpu, "cpufreq"));
            File.WriteAllText(Path.Combine(root, "sys/devices/system/cpu", cpu, "cpufreq", "scaling_governor"), governor + "\n");
        }
        Directory.CreateDirectory(Path.Combine(root, "sys/devices/system/cpu/cpu3")); // no cpufreq: left out, not guessed
        Directory.CreateDirectory(Path.Combine(root, "sys/kernel/mm/ksm"));
        File.WriteAllText(Path.Combine(root, "sys/kernel/mm/ksm/run"), "1\n");
        Directory.CreateDirectory(Path.Combine(root, "proc"));
        File.WriteAllText(Path.Combine(root, "proc/cpuinfo"), "processor\t: 0\nmodel name\t: AMD EPYC 7B13 64-Core Processor\n");

        var facts = HostProvenance.Read(root);

        Assert.Equal("performance,powersave", facts["host.cpu.governor"]);
        Assert.Equal("on", facts["host.ksm"]);
        Assert.Equal("AMD EPYC 7B13 64-Core Processor", facts["host.cpu.model"]);
        Assert.Empty(HostProvenance.Read(Path.Combine(root, "nothing-here")));
    }
}
