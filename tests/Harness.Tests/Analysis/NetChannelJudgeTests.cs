using Harness.Analysis;
using Harness.Load;
using Harness.Sampling;
using Harness.Scenarios;
using Xunit;

namespace Harness.Tests.Analysis;

public sealed class NetChannelJudgeTests
{
    private static readonly Scenario Row = new("row", [
        new GuestLoad("S1", 0, 0, Antagonists: [new Antagonist(Antagonist.Net)]),
        new GuestLoad("S2", 50, 20),
    ]);

    private static readonly Verdict Plain = new("row", [new Check("S2", Metric.Cpu, 50, 50, 5, 49, 51)]);

    /// <summary>Six repetitions, each a co-run segment at [10r, 10r + 2) and S2's solo segment at [10r + 5, 10r + 7), with 50 round trips in each.</summary>
    private static Verdict Judge(double soloMicroseconds, double factor, ChannelThresholds limits)
    {
        GuestSegment Seg(Segment s, double start) =>
            new(s, "S2", new CounterSample(DateTimeOffset.UnixEpoch, start, new Dictionary<string, long>()),
                new CounterSample(DateTimeOffset.UnixEpoch, start + 2, new Dictionary<string, long>()));
        var segments = Enumerable.Range(1, 6).SelectMany(r => new[] { Seg(new Segment(r, SegmentKind.CoRun, null), 10 * r), Seg(new Segment(r, SegmentKind.Solo, "S2"), 10 * r + 5) }).ToArray();
        var samples = Enumerable.Range(1, 6).SelectMany(r => Enumerable.Range(0, 50).SelectMany(i =>
        {
            var v = soloMicroseconds * (1 + 0.02 * (i % 5));
            return new ChannelSample[] { new(10 * r + 0.1 + i * 0.03, 10 * r + 0.101 + i * 0.03, v * factor), new(10 * r + 5.1 + i * 0.03, 10 * r + 5.101 + i * 0.03, v) };
        })).ToArray();
        return ChannelJudge.Judge(Plain, Row, [new ChannelJudge.Victim("S2", segments, new Dictionary<string, IReadOnlyList<ChannelSample>> { [Antagonist.Net] = samples })], limits);
    }

    [Fact]
    public void Round_trips_as_short_among_the_neighbours_as_alone_pass_with_both_percentiles_reported()
    {
        var verdict = Judge(200, 1, new ChannelThresholds(25, 500, 20));
        Assert.Equal(Outcome.Pass, verdict.Outcome);
        Assert.Equal([Metric.NetRttP50, Metric.NetRttP99], verdict.Checks.Where(c => c.Guest == "S2" && c.Metric != Metric.Cpu).Select(c => c.Metric));
        Assert.Contains("S2 round trip p50: 0.2", verdict.ToTable());
    }

    [Fact]
    public void Round_trips_three_times_longer_fail_against_the_net_budgets_not_the_io_ones()
    {
        var limits = new ChannelThresholds(IoP50Increase: 10000, IoP99Increase: 10000, MemoryBandwidthLoss: 20) { NetP50Increase = 100, NetP99Increase = 150 };
        var verdict = Judge(200, 3, limits);
        Assert.Equal(Outcome.Fail, verdict.Outcome);
        var p50 = verdict.Checks.Single(c => c.Metric == Metric.NetRttP50);
        Assert.Equal(200, p50.Measured, 6);
        Assert.Equal(100, p50.Tolerance);
        Assert.True(p50.Failed);
        Assert.Equal(150, verdict.Checks.Single(c => c.Metric == Metric.NetRttP99).Tolerance);
    }

    [Fact]
    public void The_budgets_default_to_the_documented_values() =>
        Assert.Equal((ChannelThresholds.DefaultNetP50Increase, ChannelThresholds.DefaultNetP99Increase),
            (new ChannelThresholds(25, 500, 20).NetP50Increase, new Harness.Configuration.HarnessOptions().NetRttP99IncreaseThreshold));
}
