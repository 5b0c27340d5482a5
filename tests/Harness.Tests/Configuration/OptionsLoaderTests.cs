using Harness.Configuration;
using Xunit;

namespace Harness.Tests.Configuration;

public sealed class OptionsLoaderTests
{
    private static HarnessOptions Load(params (string Key, string Value)[] env) =>
        OptionsLoader.Load(env.ToDictionary(e => e.Key, e => e.Value), hostCores: 2);

    [Fact]
    public void Defaults_size_four_guests_to_80_percent_of_the_host()
    {
        var o = Load();
        Assert.Equal(0.4, o.GuestCpus, 3);
        Assert.Equal(1024, o.GuestMemoryMiB);
        Assert.Equal("docker", o.Backend);
        Assert.Equal(5, o.CpuTolerance);
        Assert.Equal(TimeSpan.FromSeconds(1), o.SampleInterval);
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
        Assert.Equal(0.4, Load(("RUNSETTINGS_HARNESS_GUEST_CPUS", "")).GuestCpus, 3);
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

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var e = Assert.Throws<HarnessConfigurationException>(() => Load(("HARNESS_WINDOW_SECONDS", "0"), ("HARNESS_CPU_TOLERANCE", "-1")));
        Assert.Equal(2, e.Problems.Count);
    }

    [Fact]
    public void Every_setting_is_in_runsettings_xml_and_the_readme()
    {
        var root = OptionsLoader.RepositoryRoot()!;
        var runsettings = File.ReadAllText(Path.Combine(root, "runsettings.xml"));
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        foreach (var (name, _, _) in OptionsLoader.Settings)
        {
            Assert.Contains($"<{OptionsLoader.RunSettingsPrefix}{name}>", runsettings);
            Assert.Contains($"`{OptionsLoader.EnvPrefix}{name}`", readme);
        }
    }
}
