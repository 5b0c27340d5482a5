using Harness.Analysis;
using Xunit;

namespace Harness.Tests.Analysis;

public sealed class VerdictTests
{
    private static GuestMeasurement Guest(string name, double cpuTarget, double cpu, double ramTarget, double ram)
    {
        var none = SeriesSummary.Of([]);
        return new GuestMeasurement(name, "c", cpuTarget, ramTarget, cpu, ram, none, none, none, 15,
            new CalibrationOutcome(1, true, 36, 0, 0, 0, 0), []);
    }

    [Fact]
    public void Every_guest_and_metric_is_checked_and_the_table_shows_all_of_them()
    {
        var v = Verdict.LoadFidelity("Scenario 05", [Guest("S1", 90, 51.2, 80, 80.1), Guest("S2", 90, 89, 80, 86)], 5, 5);
        Assert.False(v.Passed);
        Assert.Equal(4, v.Checks.Count);
        var table = v.ToTable();
        Assert.Contains("Scenario 05: FAIL", table);
        Assert.Contains("S1     CPU %     90.0      51.2   -38.8       ±5.0  FAIL", table);
        Assert.Contains("S1     RAM %     80.0      80.1    +0.1       ±5.0  pass", table);
        Assert.Contains("S2     RAM %     80.0      86.0    +6.0       ±5.0  FAIL", table);
    }

    [Fact]
    public void Within_tolerance_passes_and_boundaries_count_as_pass()
    {
        Assert.True(Verdict.LoadFidelity("x", [Guest("S1", 90, 95, 80, 75)], 5, 5).Passed);
        Assert.False(Verdict.LoadFidelity("x", [Guest("S1", 90, 95.01, 80, 80)], 5, 5).Passed);
    }

    [Fact]
    public void A_missing_measurement_fails()
    {
        Assert.False(Verdict.LoadFidelity("x", [Guest("S1", 90, double.NaN, 80, 80)], 5, 5).Passed);
        Assert.False(new Verdict("empty", []).Passed);
    }
}
