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
        Assert.Matches(@"S1\s+CPU %\s+90\.0\s+51\.2\s+±5\.0\s+FAIL", table);
        Assert.Matches(@"S1\s+RAM %\s+80\.0\s+80\.1\s+±5\.0\s+pass", table);
        Assert.Matches(@"S2\s+RAM %\s+80\.0\s+86\.0\s+±5\.0\s+FAIL", table);
    }

    [Fact]
    public void Within_tolerance_passes_and_boundaries_count_as_pass()
    {
        Assert.True(Verdict.LoadFidelity("x", [Guest("S1", 90, 95, 80, 75)], 5, 5).Passed);
        Assert.False(Verdict.LoadFidelity("x", [Guest("S1", 90, 95.01, 80, 80)], 5, 5).Passed);
    }

    [Fact]
    public void Intervals_are_shown_and_decide_band_checks()
    {
        var inside = new Check("S1", "CPU %", 90, 96, 5, Low: 94, High: 98);
        var outside = new Check("S1", "CPU %", 90, 96, 5, Low: 95.5, High: 97);
        var budget = new Check("S1", "wait +pts", 0, 12, 10, Low: 9, High: 15, Kind: CheckKind.AtMost);
        Assert.True(inside.Passed);
        Assert.False(outside.Passed);
        Assert.True(budget.Passed);
        var table = new Verdict("x", [inside, budget], ["S2: too noisy"]).ToTable();
        Assert.Contains("[94.0, 98.0]", table);
        Assert.Contains("≤ 10.0", table);
        Assert.Contains("invalid: S2: too noisy", table);
        Assert.StartsWith("x: INVALID", table);
    }

    [Fact]
    public void A_missing_measurement_fails()
    {
        Assert.False(Verdict.LoadFidelity("x", [Guest("S1", 90, double.NaN, 80, 80)], 5, 5).Passed);
        Assert.False(new Verdict("empty", []).Passed);
    }
}
