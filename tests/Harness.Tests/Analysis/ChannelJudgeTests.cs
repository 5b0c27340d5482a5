using Harness.Analysis;
using Harness.Load;
using Harness.Sampling;
using Harness.Scenarios;
using Xunit;

namespace Harness.Tests.Analysis;

public sealed class ChannelJudgeTests
{
    private static readonly ChannelThresholds Limits = new(100, 200, 20);

    private static Scenario Row(string channel) => new("row", [
        new GuestLoad("S1", 0, 0, Antagonists: [new Antagonist(channel)]),
        new GuestLoad("S2", 50, 20),
    ]);

    private static readonly Verdict Plain = new("row", [
        new Check("S1", Metric.Cpu, 0, 40, 5, 39, 41), // the antagonist runs flat out on purpose
        new Check("S2", Metric.Cpu, 50, 50, 5, 49, 51),
    ]);

    /// <summary>Six repetitions: a co-run segment at [10r, 10r + 2) and S2's solo segment at [10r + 5, 10r + 7).</summary>
    private static GuestSegment[] Segments() => Enumerable.Range(1, 6).SelectMany(r => new[]
    {
        Seg(new Segment(r, SegmentKind.CoRun, null), 10 * r),
        Seg(new Segment(r, SegmentKind.Solo, "S2"), 10 * r + 5),
    }).ToArray();

    private static GuestSegment Seg(Segment s, double start) =>
        new(s, "S2", new CounterSample(DateTimeOffset.UnixEpoch, start, new Dictionary<string, long>()),
            new CounterSample(DateTimeOffset.UnixEpoch, start + 2, new Dictionary<string, long>()));

    /// <summary>Ten runs per segment; co-run ones take <paramref name="coRun"/> times the solo value (varied a little per run).</summary>
    private static IReadOnlyList<ChannelSample> Samples(double solo, double coRun, bool withCpu = false, int perSegment = 10) =>
        Enumerable.Range(1, 6).SelectMany(r => Enumerable.Range(0, perSegment).SelectMany(i =>
        {
            var jitter = 1 + 0.05 * (i % 3);
            ChannelSample At(double t, double v) => withCpu ? new(t, t + 0.02, v, 1e7) : new(t, t + 0.001, v);
            return new[] { At(10 * r + 0.1 + i * 0.15, solo * coRun * jitter), At(10 * r + 5.1 + i * 0.15, solo * jitter) };
        })).ToArray();

    private static Verdict Judge(string channel, IReadOnlyList<ChannelSample> samples, ChannelThresholds? limits = null) =>
        ChannelJudge.Judge(Plain, Row(channel), [new ChannelJudge.Victim("S2", Segments(), new Dictionary<string, IReadOnlyList<ChannelSample>> { [channel] = samples })], limits ?? Limits);

    [Fact]
    public void Round_trips_as_short_among_the_neighbours_as_alone_pass_with_both_percentiles_reported()
    {
        var verdict = Judge(Antagonist.Net, Samples(200, 1));
        Assert.Equal(Outcome.Pass, verdict.Outcome);
        Assert.Equal([Metric.NetRttP50, Metric.NetRttP99], verdict.Checks.Where(c => c.Guest == "S2" && c.Metric != Metric.Cpu).Select(c => c.Metric));
        Assert.Contains("S2 round trip p50: 0.2", verdict.ToTable());
    }

    [Fact]
    public void Round_trips_three_times_longer_fail_against_the_net_budgets_not_the_io_ones()
    {
        var limits = new ChannelThresholds(IoP50Increase: 10000, IoP99Increase: 10000, MemoryBandwidthLoss: 20) { NetP50Increase = 100, NetP99Increase = 150 };
        var verdict = Judge(Antagonist.Net, Samples(200, 3), limits);
        Assert.Equal(Outcome.Fail, verdict.Outcome);
        var p50 = verdict.Checks.Single(c => c.Metric == Metric.NetRttP50);
        Assert.Equal(200, p50.Measured, 6);
        Assert.Equal(100, p50.Tolerance);
        Assert.True(p50.Failed);
        Assert.Equal(150, verdict.Checks.Single(c => c.Metric == Metric.NetRttP99).Tolerance);
    }

    [Fact]
    public void The_net_budgets_default_to_the_documented_values() =>
        Assert.Equal((ChannelThresholds.DefaultNetP50Increase, ChannelThresholds.DefaultNetP99Increase),
            (new ChannelThresholds(25, 500, 20).NetP50Increase, new Harness.Configuration.HarnessOptions().NetRttP99IncreaseThreshold));

    [Fact]
    public void Writes_as_fast_among_the_neighbours_as_alone_pass_and_the_antagonists_own_checks_are_left_out()
    {
        var verdict = Judge("io", Samples(250, 1));
        Assert.Equal(Outcome.Pass, verdict.Outcome);
        Assert.DoesNotContain(verdict.Checks, c => c.Guest == "S1");
        Assert.Equal(0, verdict.Checks.Single(c => c.Metric == Metric.IoLatencyP50).Measured, 6);
        Assert.Contains("S1 runs io 100%: the neighbour, not a victim", verdict.ToTable());
        Assert.Contains("S2 I/O write p50: 0.26", verdict.ToTable());
    }

    [Fact]
    public void Writes_five_times_slower_among_the_neighbours_fail_by_latency()
    {
        var verdict = Judge("io", Samples(250, 5));
        Assert.Equal(Outcome.Fail, verdict.Outcome);
        var p50 = verdict.Checks.Single(c => c.Metric == Metric.IoLatencyP50);
        Assert.True(p50.Failed && p50.Low > 100, verdict.ToTable());
        Assert.Equal(400, p50.Measured, 6);
    }

    [Fact]
    public void A_victim_whose_bandwidth_halves_fails_and_one_that_keeps_it_passes()
    {
        var halved = Judge("membw", Samples(1e8, 0.5, withCpu: true));
        var loss = halved.Checks.Single(c => c.Metric == Metric.MemoryBandwidthLoss);
        Assert.True(loss.Failed, halved.ToTable());
        Assert.Equal(50, loss.Measured, 6);
        Assert.Equal(Outcome.Pass, Judge("membw", Samples(1e8, 1, withCpu: true)).Outcome);
    }

    [Fact]
    public void A_probe_that_gave_nothing_is_not_judged_never_a_pass()
    {
        var verdict = Judge("io", []);
        Assert.Equal(Outcome.Invalid, verdict.Outcome);
        Assert.Contains(verdict.Reasons, r => r.Contains("the io probe gave values in only 0 pair(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Runs_that_straddle_a_segment_edge_are_left_out()
    {
        var straddling = new ChannelSample(11.9, 15.2, 1e6); // frozen halfway: started in a co-run segment, ended in a solo one
        var pairs = ChannelJudge.Pairs(Segments(), [.. Samples(250, 1), straddling]);
        Assert.DoesNotContain(pairs, p => p.CoRun.Contains(straddling) || p.Solo.Contains(straddling));
    }

    [Theory]
    [InlineData("cache")]
    [InlineData("fork")]
    public void A_class_without_a_probe_leaves_the_victims_to_their_cpu_checks_and_drops_the_neighbours(string cls)
    {
        Assert.Empty(ChannelJudge.Channels(Row(cls)));
        var verdict = ChannelJudge.Judge(Plain, Row(cls), [new ChannelJudge.Victim("S2", Segments(), new Dictionary<string, IReadOnlyList<ChannelSample>>())], Limits);
        Assert.Equal([Plain.Checks[1]], verdict.Checks);
        Assert.Contains($"S1 runs {cls} 100%: the neighbour, not a victim", verdict.ToTable());
    }

    [Fact]
    public void A_row_without_antagonists_is_left_as_it_is()
    {
        var plain = new Scenario("plain", [new GuestLoad("S1", 50, 20), new GuestLoad("S2", 50, 20)]);
        Assert.Empty(ChannelJudge.Channels(plain));
        var verdict = ChannelJudge.Judge(Plain, plain, [], Limits);
        Assert.Equal(Plain.Checks, verdict.Checks);
        Assert.Empty(verdict.Notes ?? []);
    }
}
