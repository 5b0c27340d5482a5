using System.Text.RegularExpressions;
using Harness.Configuration;
using Harness.Scenarios;
using Harness.Testbeds;
using Harness.Testbeds.Docker;
using Xunit;

namespace Harness.Tests.Configuration;

public sealed class OptionsLoaderTests
{
    private static HarnessOptions Load(params (string Key, string Value)[] env) =>
        OptionsLoader.Load(env.ToDictionary(e => e.Key, e => e.Value), hostCores: 2);

    [Fact]
    public void Defaults_size_four_guests_to_60_percent_of_the_host()
    {
        var o = Load();
        Assert.Equal(0.3, o.GuestCpus, 3);
        Assert.Equal(1024, o.GuestMemoryMiB);
        Assert.Equal("docker", o.Backend);
        Assert.Equal(5, o.CpuTolerance);
        Assert.Equal(TimeSpan.FromSeconds(1), o.SampleInterval);
    }

    [Fact]
    public void Only_a_row_with_a_guest_below_25_percent_cpu_gets_the_long_co_run_and_short_solo_segments()
    {
        var o = Load(("HARNESS_WINDOW_SECONDS", "2"), ("HARNESS_CORUN_WINDOW_SECONDS", "5"), ("HARNESS_SOLO_WINDOW_SECONDS", "0.8"));
        GuestLoad[] Row(params double[] cpu) => cpu.Select((c, i) => new GuestLoad($"S{i + 1}", c, 30)).ToArray();
        var (light, heavy) = (new SegmentWindows(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(0.8)), new SegmentWindows(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)));

        Assert.Equal(light, o.WindowsFor(Row(90, 90, 90, 10)));
        Assert.Equal(light, o.WindowsFor(Row(60, 40, 80, 20)));
        Assert.Equal(heavy, o.WindowsFor(Row(90, 50, 50, 25)));
        // An idle guest (no CPU load: an antagonist's host, say) runs nothing to be slowed.
        Assert.Equal(heavy, o.WindowsFor(Row(0, 50, 50, 50)));
        Assert.Equal(TimeSpan.FromSeconds(0.75), Load().SoloWindow);
    }

    [Fact]
    public void Environment_overrides_runsettings()
    {
        var o = Load(("RUNSETTINGS_HARNESS_WINDOW_SECONDS", "20"), ("HARNESS_WINDOW_SECONDS", "7"));
        Assert.Equal(TimeSpan.FromSeconds(7), o.Window);
        Assert.Equal(TimeSpan.FromSeconds(20), Load(("RUNSETTINGS_HARNESS_WINDOW_SECONDS", "20")).Window);
    }

    [Fact]
    public void Empty_runsettings_value_means_default()
    {
        Assert.Equal(0.3, Load(("RUNSETTINGS_HARNESS_GUEST_CPUS", "")).GuestCpus, 3);
    }

    [Theory]
    [InlineData("HARNESS_WINDOW_SECONDS", "-5", "HARNESS_WINDOW_SECONDS: -5 is out of range")]
    [InlineData("HARNESS_CPU_TOLERANCE", "150", "HARNESS_CPU_TOLERANCE: 150 is out of range")]
    [InlineData("HARNESS_RAM_TOLERANCE", "lots", "HARNESS_RAM_TOLERANCE: 'lots' is not a number")]
    [InlineData("HARNESS_BACKEND", "vmware", "HARNESS_BACKEND: unknown value 'vmware'. Use one of: docker")]
    [InlineData("RUNSETTINGS_HARNESS_BACKEND", "1", "RUNSETTINGS_HARNESS_BACKEND: unknown value '1'")]
    [InlineData("HARNESS_WINDOW", "5", "HARNESS_WINDOW: unknown setting")]
    [InlineData("HARNESS_SCENARIO_FILE", "/nonexistent/s.yaml", "HARNESS_SCENARIO_FILE: file '/nonexistent/s.yaml' does not exist")]
    [InlineData("HARNESS_CALIBRATION_MAX_ROUNDS", "2.5", "HARNESS_CALIBRATION_MAX_ROUNDS: 2.5 is out of range")]
    public void Bad_values_are_refused_with_the_setting_named(string key, string value, string expected)
    {
        var e = Assert.Throws<HarnessConfigurationException>(() => Load((key, value)));
        Assert.Contains(expected, e.Message);
        Assert.Contains("nothing was started", e.Message);
    }

    [Theory]
    [InlineData("HARNESS_WAIT_THRESHOLD", "HARNESS_WAIT_INCREASE_THRESHOLD")]
    [InlineData("HARNESS_DEGRADATION_THRESHOLD", "HARNESS_THROUGHPUT_LOSS_THRESHOLD")]
    [InlineData("RUNSETTINGS_HARNESS_DEGRADATION_THRESHOLD", "RUNSETTINGS_HARNESS_THROUGHPUT_LOSS_THRESHOLD")]
    public void A_renamed_setting_is_refused_naming_its_new_name(string old, string current)
    {
        var e = Assert.Throws<HarnessConfigurationException>(() => Load((old, "10")));
        Assert.Contains($"{old}: renamed to {current}", e.Message);
        Assert.DoesNotContain("unknown setting", e.Message);
    }

    [Fact]
    public void The_renamed_thresholds_are_read_under_their_new_names()
    {
        var o = Load(("HARNESS_WAIT_INCREASE_THRESHOLD", "12"), ("RUNSETTINGS_HARNESS_THROUGHPUT_LOSS_THRESHOLD", "7"));
        Assert.Equal(12, o.WaitIncreaseThreshold);
        Assert.Equal(7, o.ThroughputLossThreshold);
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var e = Assert.Throws<HarnessConfigurationException>(() => Load(("HARNESS_WINDOW_SECONDS", "0"), ("HARNESS_CPU_TOLERANCE", "-1")));
        Assert.Equal(2, e.Problems.Count);
    }

    [Theory]
    [InlineData("HARNESS_PVE_NODE", "pve1")]
    [InlineData("HARNESS_STATIC_FILES", "guests.json")]
    [InlineData("RUNSETTINGS_HARNESS_DOCKER_REAP_AGE", "2")]
    public void A_typo_in_any_backends_settings_is_refused_whichever_backend_runs(string key, string value)
    {
        var e = Assert.Throws<HarnessConfigurationException>(() => Load((key, value)));
        Assert.Contains($"{key}: unknown setting", e.Message);
    }

    [Theory]
    [InlineData("RUNSETTINGS_HARNESS_STATIC_SSH_KEY")]
    [InlineData("RUNSETTINGS_HARNESS_PVE_TOKEN_SECRET")]
    public void A_secret_in_runsettings_is_refused_without_echoing_it(string key)
    {
        var e = Assert.Throws<HarnessConfigurationException>(() => Load((key, "s3cr3t-value")));
        Assert.Contains("read from the environment only", e.Message);
        Assert.DoesNotContain("s3cr3t-value", e.Message);
    }

    [Fact]
    public void The_configured_backend_loads_its_own_settings_in_the_same_pass()
    {
        var e = Assert.Throws<HarnessConfigurationException>(() => Load(("HARNESS_BACKEND", "proxmox"), ("HARNESS_WINDOW_SECONDS", "0")));
        Assert.Contains(e.Problems, p => p.StartsWith("HARNESS_WINDOW_SECONDS", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("HARNESS_PVE_URL: missing", StringComparison.Ordinal));
        Assert.Equal(TimeSpan.FromHours(2), Assert.IsType<DockerSettings>(Load(("HARNESS_DOCKER_REAP_AGE_HOURS", "2")).BackendSettings).ReapAge);
    }

    /// <summary>Every table the registry knows is documented where its module says, and runsettings.xml names only known settings.</summary>
    [Fact]
    public void Every_setting_is_documented_and_runsettings_xml_and_the_readme_agree_with_the_code()
    {
        var root = OptionsLoader.RepositoryRoot()!;
        var runsettings = File.ReadAllText(Path.Combine(root, "runsettings.xml"));
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var inReadme = OptionsLoader.Settings.Concat(Backends.All.Where(b => b.SettingsDocument == "README.md").SelectMany(b => b.Settings)).ToList();
        foreach (var (name, _, @default) in inReadme)
        {
            Assert.Contains($"<{OptionsLoader.RunSettingsPrefix}{name}>", runsettings);
            Assert.Matches($@"\| `{OptionsLoader.EnvPrefix}{name}` \|[^\n]*\|", readme);
        }
        foreach (var backend in Backends.All.Where(b => b.SettingsDocument != "README.md"))
        {
            var doc = File.ReadAllText(Path.Combine(root, backend.SettingsDocument));
            Assert.All(backend.Settings, s => Assert.Contains($"`{OptionsLoader.EnvPrefix}{s.Name}`", doc));
        }
        var known = Backends.AllSettings.Select(s => s.Name).ToHashSet();
        foreach (Match m in Regex.Matches(runsettings, $"<{OptionsLoader.RunSettingsPrefix}([A-Z_]+)>"))
        {
            Assert.Contains(m.Groups[1].Value, known);
        }
        foreach (Match m in Regex.Matches(readme, @"^\| `HARNESS_([A-Z_]+)` \|", RegexOptions.Multiline))
        {
            Assert.Contains(m.Groups[1].Value, inReadme.Select(s => s.Name));
        }
    }

    [Fact]
    public void Every_backend_has_a_unique_name_a_hint_and_settings_in_its_own_family()
    {
        Assert.Equal(Backends.All.Count, Backends.All.Select(b => b.Name).Distinct().Count());
        Assert.Equal(Backends.AllSettings.Count(), Backends.AllSettings.Select(s => s.Name).Distinct().Count());
        Assert.All(Backends.All, b => Assert.Contains("HARNESS_BACKEND", b.HowToUse));
    }
}
