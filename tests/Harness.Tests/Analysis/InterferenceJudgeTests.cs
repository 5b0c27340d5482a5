using Harness.Analysis;
using Harness.Scenarios;
using Xunit;

namespace Harness.Tests.Analysis;

public sealed class InterferenceJudgeTests
{
    private static readonly IsolationThresholds Limits = new(CpuTolerance: 5, RamTolerance: 5, WaitIncrease: 5, Degradation: 10, SoloMaxCov: 10);
    private static readonly GuestLoad Target = new("S1", 90, 80);

    private static (SegmentValues, SegmentValues)[] Pairs(
        double coCpu, double soloCpu, double coWait, double soloWait, double coProbe, double soloProbe, int n = 8, double jitter = 0.01) =>
        Enumerable.Range(0, n).Select(i =>
        {
            var j = 1 + jitter * ((i % 3) - 1);
            return (new SegmentValues(coCpu * j, 80, coWait * j, coProbe * j, 400),
                    new SegmentValues(soloCpu * j, 80, soloWait * j, soloProbe * j, 300));
        }).ToArray();

    private static Verdict Judge((SegmentValues, SegmentValues)[] pairs)
    {
        var (_, checks, invalid) = InterferenceJudge.Judge(Target, pairs, Limits, "run-queue wait", seed: 1);
        return new Verdict("x", checks, invalid);
    }

    [Fact]
    public void Same_behaviour_alone_and_together_passes()
    {
        var v = Judge(Pairs(90, 90, 1, 1, 1000, 1000));
        Assert.Equal(Outcome.Pass, v.Outcome);
        Assert.Equal(4, v.Checks.Count);
    }

    [Fact]
    public void A_victim_that_stays_near_its_target_but_waits_and_gets_less_done_than_alone_fails_on_wait_and_throughput()
    {
        // Within 5 points of its 90% target together, yet at the same setting it got 100% alone: 12% of its work lost.
        var (metrics, checks, _) = InterferenceJudge.Judge(Target, Pairs(88, 100, 20, 1, 70, 100), Limits, "run-queue wait", seed: 1);
        var v = new Verdict("x", checks, []);
        Assert.Equal(Outcome.Fail, v.Outcome);
        Assert.True(v.Checks.Single(c => c.Metric == "CPU %").Passed);
        Assert.False(v.Checks.Single(c => c.Metric == "wait +pts").Passed);
        var loss = v.Checks.Single(c => c.Metric == "throughput loss %");
        Assert.False(loss.Passed);
        Assert.Equal(12, loss.Measured, 1);
        Assert.True(loss.Low > 10);
        Assert.Equal(30, metrics.ProbeLoss.Value, 1); // the probe's share of wall time on a CPU, reported alongside
    }

    [Fact]
    public void A_breach_is_decided_only_when_the_whole_interval_lies_past_the_limit()
    {
        // Loss swings 0..24% between repetitions: the median is past 10% but the interval straddles it.
        var pairs = Enumerable.Range(0, 8).Select(i => (
            new SegmentValues(i % 2 == 0 ? 90 : 68.4, 80, 1, 100, 400),
            new SegmentValues(90, 80, 1, 100, 300))).ToArray();
        var loss = Judge(pairs).Checks.Single(c => c.Metric == "throughput loss %");
        Assert.True(loss.Low <= 10 && loss.High > 10, $"[{loss.Low}, {loss.High}]");
        Assert.True(loss.Passed);
    }

    [Fact]
    public void Noisy_solo_references_or_too_few_pairs_make_the_verdict_invalid()
    {
        var offTarget = Judge(Pairs(80, 80, 1, 1, 1000, 1000));
        Assert.Equal(Outcome.Fail, offTarget.Outcome);
        Assert.False(offTarget.Checks.Single(c => c.Metric == "CPU %").Passed);

        var noisy = Judge(Pairs(90, 90, 1, 1, 1000, 1000, jitter: 0.3));
        Assert.Contains(noisy.InvalidReasons!, r => r.Contains("too noisy"));

        var few = Judge(Pairs(90, 90, 1, 1, 1000, 1000, n: 2));
        Assert.Equal(Outcome.Invalid, few.Outcome);
        Assert.Contains(few.InvalidReasons!, r => r.Contains("only 2 usable pair(s)"));
    }

    [Fact]
    public void An_idle_guest_is_judged_on_its_load_only()
    {
        var (_, checks, _) = InterferenceJudge.Judge(new GuestLoad("S2", 0, 30),
            Pairs(0, 0, 0, 0, double.NaN, double.NaN), Limits, "steal", 1);
        Assert.Equal(["CPU %", "RAM %"], checks.Select(c => c.Metric));
    }

    [Fact]
    public void The_bootstrap_is_reproducible()
    {
        double[] co = [1, 2, 3, 4, 5, 6, 7, 8], solo = [2, 2, 2, 2, 2, 2, 2, 2];
        var a = Stats.PairedBootstrap(co, solo, Stats.MedianDifference, 42);
        var b = Stats.PairedBootstrap(co, solo, Stats.MedianDifference, 42);
        Assert.Equal(a, b);
        Assert.Equal(2.5, a.Value, 6);
        Assert.True(a.Low < a.Value && a.Value < a.High);
    }
}
