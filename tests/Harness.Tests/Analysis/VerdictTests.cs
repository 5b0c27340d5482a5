using Harness.Analysis;
using Xunit;

namespace Harness.Tests.Analysis;

public sealed class VerdictTests
{
    [Fact]
    public void Every_check_is_in_the_table_with_its_interval_limit_and_outcome()
    {
        var v = new Verdict("Scenario 05",
        [
            new Check("S1", Metric.Cpu, 90, 51.2, 5, Low: 50, High: 52.4),
            new Check("S1", Metric.Ram, 80, 80.1, 5, Low: 79.9, High: 80.3),
            new Check("S2", Metric.Slowdown, 0, 140, 50, Low: 120, High: 160, Kind: CheckKind.AtMost),
        ]);
        Assert.Equal(Outcome.Fail, v.Outcome);
        var table = v.ToTable();
        Assert.Contains("Scenario 05: FAIL", table);
        Assert.Matches(@"S1\s+CPU %\s+90\.0\s+51\.2\s+\[50\.0, 52\.4\]\s+±5\.0\s+FAIL", table);
        Assert.Matches(@"S1\s+RAM %\s+80\.0\s+80\.1\s+\[79\.9, 80\.3\]\s+±5\.0\s+pass", table);
        Assert.Matches(@"S2\s+slowdown %\s+-\s+140\.0\s+\[120\.0, 160\.0\]\s+≤ 50\.0\s+FAIL", table);
    }

    [Fact]
    public void A_whole_interval_inside_passes_a_whole_interval_outside_fails_and_one_that_straddles_is_inconclusive()
    {
        Assert.Equal(Outcome.Pass, new Check("S1", Metric.Cpu, 90, 92, 5, Low: 85, High: 95).Outcome);
        Assert.Equal(Outcome.Inconclusive, new Check("S1", Metric.Cpu, 90, 96, 5, Low: 94, High: 98).Outcome);
        Assert.Equal(Outcome.Inconclusive, new Check("S1", Metric.Cpu, 90, 86, 5, Low: 84, High: 88).Outcome);
        Assert.Equal(Outcome.Inconclusive, new Check("S1", Metric.Cpu, 90, 96, 5, Low: 95, High: 97).Outcome);
        Assert.Equal(Outcome.Fail, new Check("S1", Metric.Cpu, 90, 96, 5, Low: 95.5, High: 97).Outcome);
        Assert.Equal(Outcome.Pass, new Check("S1", Metric.WaitIncrease, 0, 8, 10, Low: 6, High: 10, Kind: CheckKind.AtMost).Outcome);
        Assert.Equal(Outcome.Inconclusive, new Check("S1", Metric.WaitIncrease, 0, 12, 10, Low: 10, High: 15, Kind: CheckKind.AtMost).Outcome);
        Assert.Equal(Outcome.Fail, new Check("S1", Metric.WaitIncrease, 0, 12, 10, Low: 10.1, High: 15, Kind: CheckKind.AtMost).Outcome);
        // An infinite interval (one value) can be decided neither way.
        Assert.Equal(Outcome.Inconclusive, new Check("S1", Metric.Slowdown, 0, 3, 90, double.NegativeInfinity, double.PositiveInfinity, CheckKind.AtMost).Outcome);
    }

    [Fact]
    public void A_pass_is_decided_on_the_90_percent_interval_and_a_fail_on_the_95_percent_one()
    {
        // 95% [57, 93] reaches past 90, but its one-sided 95% bound (the 90% interval's upper end, 86) does not.
        var light = new Check("S4", Metric.Slowdown, 0, 67, 90, Low: 57, High: 93, Kind: CheckKind.AtMost, Low90: 60, High90: 86);
        Assert.Equal(Outcome.Pass, light.Outcome);
        Assert.Equal(Outcome.Inconclusive, (light with { High90 = 91 }).Outcome);
        // A fail still needs the whole 95% interval past the limit, not just the 90% one.
        Assert.Equal(Outcome.Inconclusive, new Check("S4", Metric.Slowdown, 0, 99, 90, 88, 110, CheckKind.AtMost, null, 91, 107).Outcome);
        var cpu = Check.Of("S2", Metric.Cpu, 90, new Estimate(88, 84.9, 91.1, 85.4, 90.6), 5);
        Assert.Equal(Outcome.Pass, cpu.Outcome);
        Assert.Equal(Outcome.Inconclusive, (cpu with { Low90 = 84.95 }).Outcome);
    }

    [Fact]
    public void An_inconclusive_verdict_is_no_pass_and_says_what_effect_its_data_could_have_told_from_the_limit()
    {
        var straddles = new Check("S4", Metric.Slowdown, 0, 74.2, 90, Low: 57.6, High: 102.6, Kind: CheckKind.AtMost);
        var clean = new Check("S1", Metric.Cpu, 90, 90.5, 5, Low: 89, High: 92);
        var v = new Verdict("Scenario 04", [clean, straddles]);

        Assert.Equal(Outcome.Inconclusive, v.Outcome);
        Assert.False(v.Passed);
        var table = v.ToTable();
        Assert.StartsWith("Scenario 04: INCONCLUSIVE", table);
        Assert.Matches(@"S4\s+slowdown %.*inconclusive", table);
        // 74.2 - 57.6 = 16.6 below, 102.6 - 74.2 = 28.4 above: a fail needed a true value past 106.6, a pass one within 61.6.
        Assert.Contains("[57.6, 102.6] straddles the limit 90.0; at this spread only a true value past 106.6 would have failed and only one within 61.6 would have passed", table);
        Assert.Equal(Outcome.Fail, new Verdict("x", [straddles, new Check("S1", Metric.Cpu, 90, 50, 5, Low: 49, High: 51)]).Outcome);
        Assert.Equal(Outcome.Invalid, new Verdict("x", [straddles], ["S2: too noisy"]).Outcome);
    }

    [Fact]
    public void Invalid_reasons_make_an_otherwise_clean_verdict_invalid_and_are_listed()
    {
        var inside = new Check("S1", Metric.Cpu, 90, 96, 5, Low: 94, High: 98);
        var table = new Verdict("x", [inside], ["S2: too noisy"]).ToTable();
        Assert.StartsWith("x: INVALID", table);
        Assert.Contains("invalid: S2: too noisy", table);
    }

    [Fact]
    public void A_missing_measurement_or_interval_is_not_judged_never_a_pass_and_never_a_fail()
    {
        var missing = new Check("S1", Metric.Cpu, 90, double.NaN, 5, Low: double.NaN, High: double.NaN);
        var noInterval = new Check("S1", Metric.Slowdown, 0, 300, 50, Kind: CheckKind.AtMost);
        Assert.Equal(Outcome.Invalid, missing.Outcome);
        Assert.Equal(Outcome.Invalid, noInterval.Outcome);
        var v = new Verdict("x", [missing, noInterval]);
        Assert.Equal(Outcome.Invalid, v.Outcome);
        Assert.Contains("not judged", v.ToTable());
        Assert.Equal(Outcome.Invalid, new Verdict("empty", []).Outcome);
    }

    [Fact]
    public void A_failure_outranks_anything_unjudged()
    {
        var fail = new Check("S1", Metric.Cpu, 90, 50, 5, Low: 49, High: 51);
        var unjudged = new Check("S2", Metric.Slowdown, 0, double.NaN, 50, Kind: CheckKind.AtMost);
        Assert.Equal(Outcome.Fail, new Verdict("x", [fail, unjudged], ["S3: noisy"]).Outcome);
    }
}
