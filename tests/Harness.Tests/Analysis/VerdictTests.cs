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
    public void Intervals_decide_and_boundaries_count_as_pass()
    {
        Assert.True(new Check("S1", Metric.Cpu, 90, 96, 5, Low: 94, High: 98).Passed);
        Assert.True(new Check("S1", Metric.Cpu, 90, 96, 5, Low: 95, High: 97).Passed);
        Assert.True(new Check("S1", Metric.Cpu, 90, 96, 5, Low: 95.5, High: 97).Failed);
        Assert.True(new Check("S1", Metric.WaitIncrease, 0, 12, 10, Low: 10, High: 15, Kind: CheckKind.AtMost).Passed);
        Assert.True(new Check("S1", Metric.WaitIncrease, 0, 12, 10, Low: 10.1, High: 15, Kind: CheckKind.AtMost).Failed);
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
