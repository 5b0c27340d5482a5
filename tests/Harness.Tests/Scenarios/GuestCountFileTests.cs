using System.Globalization;
using Harness.Configuration;
using Harness.Scenarios;
using Harness.Testbeds;
using Xunit;

namespace Harness.Tests.Scenarios;

/// <summary>Scenario files with 1 to 8 guests, and guests of their own size.</summary>
public sealed class GuestCountFileTests : IDisposable
{
    private readonly TempFolder _files = new("harness-guest-count-");

    private string Write(string name, string text) => _files.Write(name, text);

    private static string Row(string name, int guests, Func<int, string>? extra = null) =>
        $"  - name: {name}\n    guests:\n"
        + string.Concat(Enumerable.Range(1, guests).Select(i => $"      - {{ name: S{i}, cpu: 20, ram: 30{extra?.Invoke(i) ?? ""} }}\n"));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(8)]
    public void A_row_may_have_1_to_8_guests_and_the_testbed_gets_as_many(int guests)
    {
        var path = Write("n.yaml", "scenarios:\n" + Row("n", guests));

        var scenario = Assert.Single(ScenarioFile.Load(path));

        Assert.Equal(Enumerable.Range(1, guests).Select(i => $"S{i}"), scenario.Loads.Select(l => l.Guest));
        var planned = GuestPlan.For(Options(), [scenario], hostCores: 2);
        Assert.Equal(guests, planned.GuestCount);
        // The default size is derived again for this many guests: together at most 80% of the host.
        Assert.Equal(HarnessOptions.DefaultGuestCpus(2, guests), planned.GuestCpus, 6);
        Assert.True(planned.GuestCpus * guests <= 1.6 + 1e-9);
    }

    [Fact]
    public void A_row_over_the_cap_is_refused_naming_the_file_the_scenario_the_count_and_the_cap()
    {
        var path = Write("big.yaml", "scenarios:\n" + Row("small", 2) + Row("too many", 9));

        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioFile.Load(path));

        var problem = Assert.Single(e.Problems);
        Assert.Equal($"{path}: 'too many' has 9 guests; a scenario has 1 to {ScenarioValidator.MaxGuests} (the cap, README 'Your own scenarios').", problem);
    }

    [Fact]
    public void The_testbed_has_as_many_guests_as_the_largest_row_and_a_smaller_row_names_the_first_ones()
    {
        var path = Write("mixed.yaml", "scenarios:\n" + Row("two", 2) + Row("five", 5) + Row("three", 3));

        var planned = GuestPlan.For(Options(), ScenarioFile.Load(path), hostCores: 2);

        Assert.Equal(5, planned.GuestCount);
        Assert.Equal(0.2, planned.GuestCpus, 6);

        var gap = Write("gap.yaml", "scenarios:\n  - name: gap\n    guests:\n      - { name: S1, cpu: 10, ram: 30 }\n      - { name: S4, cpu: 10, ram: 30 }\n");
        Assert.Contains("'gap': guests are named S1, S4; a row of 2 names S1, S2 (it runs on the testbed's first 2)",
            Assert.Throws<ScenarioValidationException>(() => ScenarioFile.Load(gap)).Message);
    }

    [Fact]
    public void Guests_may_differ_in_size_and_the_row_shows_it()
    {
        var yaml = Write("sized.yaml", "scenarios:\n" + Row("sized", 5, i => i == 1 ? ", cpus: 0.6, memoryMiB: 512" : i == 2 ? ", memoryMiB: 768" : ""));
        var json = Write("sized.json", """
            { "scenarios": [ { "name": "sized", "guests": [
              { "name": "S1", "cpu": 20, "ram": 30, "cpus": 0.6, "memoryMiB": 512 }, { "name": "S2", "cpu": 20, "ram": 30, "memoryMiB": 768 },
              { "name": "S3", "cpu": 20, "ram": 30 }, { "name": "S4", "cpu": 20, "ram": 30 }, { "name": "S5", "cpu": 20, "ram": 30 } ] } ] }
            """);

        var scenario = Assert.Single(ScenarioFile.Load(yaml));

        Assert.Equal(new GuestSize(0.6, 512), scenario.Loads[0].Size);
        Assert.Equal(new GuestSize(null, 768), scenario.Loads[1].Size);
        Assert.Null(scenario.Loads[2].Size);
        Assert.Equal("sized (S1 20/30 [0.6 CPU, 512 MiB], S2 20/30 [768 MiB], S3 20/30, S4 20/30, S5 20/30)", scenario.DisplayName);
        Assert.Equal(scenario.DisplayName, Assert.Single(ScenarioFile.Load(json)).DisplayName);

        // The four unsized guests share what S1 leaves of 60% of two cores: (1.2 − 0.6) / 4 = 0.15 each.
        var planned = GuestPlan.For(Options(), [scenario], hostCores: 2);
        Assert.Equal(new GuestAllocation(0.6, 512L << 20), planned.AllocationOf(0));
        Assert.Equal(new GuestAllocation(0.15, 768L << 20), planned.AllocationOf(1));
        Assert.All(Enumerable.Range(2, 3), i => Assert.Equal(new GuestAllocation(0.15, 1024L << 20), planned.AllocationOf(i)));
    }

    [Theory]
    [InlineData("typo.yaml", "scenarios:\n  - name: t\n    guests:\n      - { name: S1, cpu: 20, ram: 30, memoryMb: 512 }\n")]
    [InlineData("typo.json", "{ \"scenarios\": [ { \"name\": \"t\", \"guests\": [ { \"name\": \"S1\", \"cpu\": 20, \"ram\": 30, \"memoryMb\": 512 } ] } ] }")]
    public void A_misspelt_size_is_refused_rather_than_left_at_the_default(string name, string text)
    {
        var path = Write(name, text);
        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioFile.Load(path));
        Assert.Contains("cannot be parsed", e.Message);
        Assert.Contains("memoryMb", e.Message);
    }

    [Fact]
    public void A_guest_keeps_one_size_for_the_run_so_rows_that_size_it_differently_are_refused()
    {
        var path = Write("conflict.yaml", "scenarios:\n"
            + Row("big S1", 2, i => i == 1 ? ", cpus: 1" : "")
            + Row("small S1", 2, i => i == 1 ? ", cpus: 0.5" : "")
            + Row("default S1", 2));

        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioFile.Load(path));

        var problem = Assert.Single(e.Problems);
        Assert.StartsWith($"{path}: guest S1 has different sizes: 1 CPU in 'big S1'; 0.5 CPU in 'small S1'; the default in 'default S1'.", problem);
    }

    [Theory]
    [InlineData("cpus: 0", "cpus 0 is outside 0.01-512")]
    [InlineData("memoryMiB: 32", "memoryMiB 32 is outside 64-1048576")]
    public void A_size_out_of_range_is_refused(string size, string expected)
    {
        var path = Write("bad.yaml", "scenarios:\n" + Row("bad", 2, i => i == 2 ? ", " + size : ""));
        Assert.Contains(expected, Assert.Throws<ScenarioValidationException>(() => ScenarioFile.Load(path)).Message);
    }

    [Fact]
    public void Guests_that_leave_the_others_no_cpu_stop_the_run_naming_the_setting_to_change()
    {
        var path = Write("greedy.yaml", "scenarios:\n" + Row("greedy", 4, i => i == 1 ? ", cpus: 1.6" : ""));
        var options = Options() with { ScenarioFile = path };

        var e = Assert.Throws<HarnessConfigurationException>(() => GuestPlan.For(options, ScenarioFile.Load(path), hostCores: 2));

        Assert.Contains("HARNESS_GUEST_CPUS: unset, so 3 guest(s) of " + path, e.Message);
        Assert.Contains("Set HARNESS_GUEST_CPUS", e.Message);
        // Set, it is a choice: the guests oversubscribe the host, said as a warning, not refused.
        var warnings = new List<string>();
        var planned = GuestPlan.For(OptionsWith(("HARNESS_GUEST_CPUS", "0.5")) with { ScenarioFile = path }, ScenarioFile.Load(path), 2, warnings.Add);
        Assert.Equal(0.5, planned.GuestCpus);
        Assert.Contains(warnings, w => w.Contains("the 4 guests ask for 3.1 CPUs of this host's 2 cores", StringComparison.Ordinal));
    }

    [Fact]
    public void A_guest_larger_than_the_host_is_refused_on_docker_and_left_to_the_node_on_proxmox()
    {
        var path = Write("huge.yaml", "scenarios:\n" + Row("huge", 2, i => i == 1 ? ", cpus: 4" : ""));
        var scenarios = ScenarioFile.Load(path);

        Assert.Contains("guest S1 is given 4 CPUs in", Assert.Throws<HarnessConfigurationException>(() => GuestPlan.For(Options(), scenarios, 2)).Message);

        var proxmox = GuestPlan.For(Options() with { Backend = "proxmox" }, scenarios, 2);
        Assert.Equal(2, proxmox.GuestCount);
        Assert.Equal(new GuestSize(4), proxmox.SizeOf(0));
    }

    [Fact]
    public void A_size_a_fixture_chose_is_kept_and_the_paper_keeps_its_four_guests_of_0_3_on_two_cores()
    {
        var paper = GuestPlan.For(Options(), PaperScenarios.All, hostCores: 2);
        Assert.Equal((4, 0.3), (paper.GuestCount, paper.GuestCpus));
        Assert.Empty(paper.GuestSizes);

        // The negative control's overcommitted size: a choice, not the derived default.
        var control = GuestPlan.For(Options() with { GuestCpus = 1 }, PaperScenarios.All, hostCores: 2);
        Assert.Equal(1, control.GuestCpus);
    }

    [Fact]
    public void The_shipped_sizes_file_has_a_two_guest_row_and_a_five_guest_row_of_mixed_size()
    {
        var path = Path.Combine(Harness.Tests.Reporting.RecordedRun.RepositoryRoot, "scenarios", "sizes.yaml");
        var rows = ScenarioFile.Load(path);
        Assert.Equal([2, 5], rows.Select(r => r.Loads.Count));
        Assert.True(rows[1].Loads.Select(l => l.SizeOrDefault).Distinct().Count() > 1, rows[1].DisplayName);
        var planned = GuestPlan.For(Options(), rows, hostCores: 2);
        Assert.True(Enumerable.Range(0, planned.GuestCount).Sum(i => planned.AllocationOf(i).Cpus) <= 1.6 + 1e-9,
            string.Join(", ", Enumerable.Range(0, planned.GuestCount).Select(i => planned.AllocationOf(i).Cpus.ToString(CultureInfo.InvariantCulture))));
    }

    private static HarnessOptions Options() => OptionsWith();

    private static HarnessOptions OptionsWith(params (string Key, string Value)[] env) =>
        OptionsLoader.Load(env.ToDictionary(e => e.Key, e => e.Value), hostCores: 2);

    public void Dispose() => _files.Dispose();
}
