using Harness.Analysis;
using Harness.Scenarios;
using Xunit;

namespace Harness.Tests.Analysis;

public sealed class InterferenceJudgeTests
{
    private static readonly IsolationThresholds Limits = new(CpuTolerance: 5, RamTolerance: 5, Slowdown: 50, WaitIncrease: 5, ThroughputLoss: 10, SoloMaxCov: 10);
    private static readonly GuestLoad Target = new("S1", 90, 80);

    /// <summary>Pairs of 1.5 s segments; wait given in seconds of the load's run-queue wait, run from CPU % of a 0.4-CPU guest.</summary>
    private static (SegmentValues, SegmentValues)[] Pairs(
        double coCpu, double soloCpu, double coWait, double soloWait, double coProbe = 100, double soloProbe = 100, int n = 8, double jitter = 0.01) =>
        Enumerable.Range(0, n).Select(i =>
        {
            var j = 1 + jitter * ((i % 3) - 1);
            return (Segment(coCpu * j, coWait * j, coProbe * j, 400), Segment(soloCpu * j, soloWait * j, soloProbe * j, 300));
        }).ToArray();

    private static SegmentValues Segment(double cpu, double waitSeconds, double probe, double p99) =>
        new(cpu, 80, cpu / 100 * 0.4 * 1.5, waitSeconds, 1.5, probe, p99);

    private static Verdict Judge((SegmentValues, SegmentValues)[] pairs, GuestLoad? target = null)
    {
        var (_, checks, invalid) = InterferenceJudge.Judge(target ?? Target, pairs, Limits, "run-queue wait");
        return new Verdict("x", checks, invalid);
    }

    [Fact]
    public void Same_behaviour_alone_and_together_passes()
    {
        var v = Judge(Pairs(90, 90, 0.05, 0.05));
        Assert.Equal(Outcome.Pass, v.Outcome);
        Assert.Equal([Metric.Cpu, Metric.Ram, Metric.Slowdown, Metric.WaitIncrease, Metric.ThroughputLoss], v.Checks.Select(c => c.Metric));
    }

    [Fact]
    public void A_victim_that_stays_near_its_target_but_waits_and_gets_less_done_than_alone_fails_on_wait_and_throughput()
    {
        // Within 5 points of its 90% target together, yet at the same setting it got 100% alone: 12% of its work lost.
        var (metrics, checks, _) = InterferenceJudge.Judge(Target, Pairs(88, 100, 0.3, 0.015, 70, 100), Limits, "run-queue wait");
        var v = new Verdict("x", checks, []);
        Assert.Equal(Outcome.Fail, v.Outcome);
        Assert.True(v.Checks.Single(c => c.Metric == Metric.Cpu).Passed);
        Assert.True(v.Checks.Single(c => c.Metric == Metric.WaitIncrease).Failed);
        var loss = v.Checks.Single(c => c.Metric == Metric.ThroughputLoss);
        Assert.True(loss.Failed);
        Assert.Equal(12, loss.Measured, 1);
        Assert.True(loss.Low > 10);
        Assert.Equal(30, metrics.ProbeLoss.Value, 1); // the probe's share of wall time on a CPU, reported alongside
    }

    [Fact]
    public void A_light_victim_slowed_by_its_neighbours_fails_by_slowdown_although_wait_and_throughput_stay_small()
    {
        // 10% of a 0.4-CPU guest runs 0.06 s per 1.5 s segment; among neighbours it waits 0.07 s more (stretch 2.2
        // against 1.05 alone): +4.7 points of wall time and no lost work, yet its work took twice as long.
        var light = new GuestLoad("S4", 10, 30);
        var v = Judge(Pairs(10, 10, 0.072, 0.003), light);
        Assert.Equal(Outcome.Fail, v.Outcome);
        var slowdown = v.Checks.Single(c => c.Metric == Metric.Slowdown);
        Assert.True(slowdown.Failed);
        Assert.True(slowdown.Low > 50);
        Assert.True(v.Checks.Single(c => c.Metric == Metric.WaitIncrease).Passed);
        Assert.True(v.Checks.Single(c => c.Metric == Metric.ThroughputLoss).Passed);
    }

    [Fact]
    public void A_breach_is_decided_only_when_the_whole_interval_lies_past_the_limit_and_one_that_straddles_stays_undecided()
    {
        // Loss swings 0..24% between repetitions: the median is past 10% but the interval straddles it.
        var pairs = Enumerable.Range(0, 8).Select(i => (
            Segment(i % 2 == 0 ? 90 : 68.4, 0.01, 100, 400), Segment(90, 0.01, 100, 300))).ToArray();
        var loss = Judge(pairs).Checks.Single(c => c.Metric == Metric.ThroughputLoss);
        Assert.True(loss.Low <= 10 && loss.High > 10, $"[{loss.Low}, {loss.High}]");
        Assert.False(loss.Failed);
        Assert.Equal(Outcome.Inconclusive, loss.Outcome);
    }

    [Fact]
    public void Noisy_solo_references_or_too_few_pairs_make_the_verdict_invalid()
    {
        var offTarget = Judge(Pairs(80, 88, 0.05, 0.05));
        Assert.Equal(Outcome.Fail, offTarget.Outcome);
        Assert.True(offTarget.Checks.Single(c => c.Metric == Metric.Cpu).Failed);

        var noisy = Judge(Pairs(90, 90, 0.05, 0.05, jitter: 0.3));
        Assert.Contains(noisy.InvalidReasons!, r => r.Contains("too noisy"));

        var few = Judge(Pairs(90, 90, 0.05, 0.05, n: 2));
        Assert.Equal(Outcome.Invalid, few.Outcome);
        Assert.Contains(few.InvalidReasons!, r => r.Contains("only 2 usable pair(s)"));
    }

    [Fact]
    public void A_load_that_misses_its_target_alone_too_is_the_generators_limit_not_a_failure()
    {
        var v = Judge(Pairs(13.4, 13.2, 0.001, 0.001), new GuestLoad("S1", 5, 80));
        var cpu = v.Checks.Single(c => c.Metric == Metric.Cpu);
        Assert.Equal(Outcome.Invalid, cpu.Outcome);
        Assert.Contains("the load generator cannot reach 5% here", cpu.UnjudgedReason);
        Assert.Equal(Outcome.Invalid, v.Outcome);
    }

    [Fact]
    public void A_wait_counter_that_never_moves_under_load_is_a_missing_signal_not_isolation()
    {
        var v = Judge(Pairs(90, 90, 0, 0));
        var slowdown = v.Checks.Single(c => c.Metric == Metric.Slowdown);
        Assert.Equal(Outcome.Invalid, slowdown.Outcome);
        Assert.Contains("wait is unavailable on this guest", slowdown.UnjudgedReason);
        Assert.Equal(Outcome.Invalid, v.Outcome);
        Assert.Contains(v.Reasons, r => r.Contains("unavailable"));
    }

    [Fact]
    public void A_missing_value_is_not_judged_and_never_counts_as_a_failure()
    {
        var pairs = Pairs(90, 90, 0.05, 0.05).Select(p => (p.Item1 with { RunSeconds = double.NaN }, p.Item2)).ToArray();
        var v = Judge(pairs);
        Assert.Equal(Outcome.Invalid, v.Checks.Single(c => c.Metric == Metric.Slowdown).Outcome);
        Assert.DoesNotContain(v.Checks, c => c.Failed);
        Assert.Equal(Outcome.Invalid, v.Outcome);
    }

    [Fact]
    public void An_idle_guest_is_judged_on_its_load_only()
    {
        var (_, checks, _) = InterferenceJudge.Judge(new GuestLoad("S2", 0, 30), Pairs(0, 0, 0, 0, double.NaN, double.NaN), Limits, "steal");
        Assert.Equal([Metric.Cpu, Metric.Ram], checks.Select(c => c.Metric));
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

    [Fact]
    public void Seeds_of_different_guests_and_metrics_do_not_coincide()
    {
        var seeds = new[] { "S1", "S2", "S3", "S4" }
            .SelectMany(g => Metric.All.Select(m => StableHash.Of(StableHash.Of("Scenario 05", g).ToString(System.Globalization.CultureInfo.InvariantCulture), m.Id)))
            .ToArray();
        Assert.Equal(seeds.Length, seeds.Distinct().Count());
    }
}
