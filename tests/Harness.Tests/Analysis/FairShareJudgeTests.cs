using Harness.Analysis;
using Xunit;

namespace Harness.Tests.Analysis;

public sealed class FairShareJudgeTests
{
    private static readonly Verdict Plain = new("row", [
        new Check("S1", Metric.Ram, 20, 20.4, 5, 20.3, 20.5),
        new Check("S1", Metric.Cpu, 100, 50, 5, 48, 52), // an oversubscribed row misses its CPU target by design
    ]);

    [Fact]
    public void Parts_that_follow_the_weights_pass_and_the_cpu_target_is_not_judged()
    {
        var verdict = FairShareJudge.Judge(Plain, [Guest("S1", 2, 80), Guest("S2", 1, 40), Guest("S3", 1, 40), Guest("S4", 1, 40)], 5, "weights note");
        Assert.Equal(Outcome.Pass, verdict.Outcome);
        var s1 = verdict.Checks.Single(c => c.Guest == "S1" && c.Metric == Metric.CpuShare);
        Assert.Equal((40, 40), (s1.Target, Math.Round(s1.Measured, 1)));
        Assert.DoesNotContain(verdict.Checks, c => c.Metric == Metric.Cpu);
        Assert.Contains(verdict.Checks, c => c.Metric == Metric.Ram);
        Assert.Contains("weights note", verdict.ToTable());
    }

    [Fact]
    public void Equal_weights_with_one_guest_taking_twice_its_part_fail_that_guest()
    {
        var verdict = FairShareJudge.Judge(Plain, [Guest("S1", 1, 80), Guest("S2", 1, 40), Guest("S3", 1, 40), Guest("S4", 1, 40)], 5, "");
        Assert.Equal(Outcome.Fail, verdict.Outcome);
        Assert.True(verdict.Checks.Single(c => c.Guest == "S1" && c.Metric == Metric.CpuShare).Failed); // 40 % for 25 %
    }

    [Fact]
    public void Guests_that_never_contended_are_not_judged()
    {
        var verdict = FairShareJudge.Judge(Plain, [Guest("S1", 2, 95), Guest("S2", 1, 96), Guest("S3", 1, 97), Guest("S4", 1, 95)], 5, "");
        Assert.NotEqual(Outcome.Pass, verdict.Outcome);
        Assert.Contains(verdict.Reasons, r => r.StartsWith("no contention", StringComparison.Ordinal));
    }

    /// <summary>A 1-CPU guest whose co-run segments hold <paramref name="cpu"/> % of its allocation, ± 1 point.</summary>
    private static FairShareJudge.Guest Guest(string name, int weight, double cpu) =>
        new(name, weight, 1, Enumerable.Range(1, 6).SelectMany(r => new[]
        {
            new SegmentRecord(r, SegmentKind.CoRun, 0, 1.5, new SegmentValues(cpu + (r % 2 == 0 ? 1 : -1), 20, 1, 0, 1.5, 90, 100)),
            new SegmentRecord(r, SegmentKind.Solo, 0, 1.5, new SegmentValues(100, 20, 1.5, 0, 1.5, 90, 100)),
        }).ToArray());
}
