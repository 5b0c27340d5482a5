using Harness.Analysis;
using Harness.Reporting;
using Harness.Testbeds;
using Xunit;

namespace Harness.Tests.HostView;

public sealed class HostAgreementTests
{
    private const double Tolerance = 5;

    /// <summary>A guest's own checks as the interference judge gives them: all pass.</summary>
    private static readonly Check[] GuestChecks =
    [
        new("S1", Metric.Cpu, 90, 89, 5, 88, 90),
        new("S1", Metric.Ram, 80, 80, 5, 79.5, 80.5),
        new("S1", Metric.Slowdown, 0, 10, 50, 5, 15, CheckKind.AtMost),
        new("S1", Metric.WaitIncrease, 0, 2, 20, 1, 3, CheckKind.AtMost),
        new("S1", Metric.ThroughputLoss, 0, 3, 15, 1, 5, CheckKind.AtMost),
    ];

    /// <summary>Twelve segments (six co-run, six solo) of in-guest and host CPU, with a little jitter on each side.</summary>
    private static (double, HostSegmentValues?)[] Segments(double inGuest, double host) =>
        Enumerable.Range(0, 12).Select(i => (inGuest + 0.4 * ((i % 3) - 1), (HostSegmentValues?)new HostSegmentValues(host + 0.3 * ((i % 2) * 2 - 1)))).ToArray();

    [Fact]
    public void Figures_that_agree_pass_and_leave_the_guest_judged()
    {
        var (agreement, check, judged) = HostAgreementJudge.Judge("S1", Segments(89, 88.5), GuestChecks, Tolerance);

        Assert.Null(agreement.Unavailable);
        Assert.Equal(12, agreement.Segments);
        Assert.Equal(0.5, agreement.Difference.Value, 1);
        Assert.NotNull(check);
        Assert.Equal(Outcome.Pass, check.Outcome);
        Assert.Equal(GuestChecks, judged);
        Assert.Equal(Outcome.Pass, new Verdict("x", [.. judged, check]).Outcome);
    }

    [Fact]
    public void A_guest_whose_counter_reads_far_below_the_host_is_invalid_because_it_cannot_see_the_cpu_it_loses()
    {
        // Measured on a TCG VM here (shared/docs/PVE-API.md): 83.6% busy inside while its QEMU process was throttled.
        var (agreement, check, judged) = HostAgreementJudge.Judge("S1", Segments(60, 90), GuestChecks, Tolerance);

        Assert.Equal(-30, agreement.Difference.Value, 1);
        Assert.NotNull(check);
        Assert.Equal(Outcome.Invalid, check.Outcome);
        Assert.Contains(HostAgreementJudge.CannotSee, check.UnjudgedReason);
        // Its CPU-based checks rest on the counter that cannot be trusted; RAM does not.
        Assert.All(judged.Where(c => c.Metric != Metric.Ram), c => Assert.Equal(Outcome.Invalid, c.Outcome));
        Assert.Equal(Outcome.Pass, judged.Single(c => c.Metric == Metric.Ram).Outcome);
        var verdict = new Verdict("x", [.. judged, check]);
        Assert.Equal(Outcome.Invalid, verdict.Outcome);
        Assert.Contains(verdict.Reasons, r => r.Contains(HostAgreementJudge.CannotSee, StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_isolation_check_of_a_guest_that_cannot_see_its_cpu_is_not_judged_either()
    {
        var failing = GuestChecks.Select(c => c.Metric == Metric.ThroughputLoss ? c with { Measured = 40, Low = 30, High = 50 } : c).ToArray();
        Assert.Equal(Outcome.Fail, new Verdict("x", failing).Outcome);

        var (_, check, judged) = HostAgreementJudge.Judge("S1", Segments(60, 90), failing, Tolerance);

        Assert.Equal(Outcome.Invalid, new Verdict("x", [.. judged, check!]).Outcome);
    }

    [Fact]
    public void A_difference_whose_interval_reaches_into_the_tolerance_is_undecided_not_a_disagreement()
    {
        // Mean 5.5 points off, but the interval reaches below 5: not wholly past the tolerance, nor wholly within it.
        var noisy = Enumerable.Range(0, 12).Select(i => (89.0 + (i % 2 == 0 ? 3 : -3), (HostSegmentValues?)new HostSegmentValues(83.5))).ToArray();

        var (agreement, check, judged) = HostAgreementJudge.Judge("S1", noisy, GuestChecks, Tolerance);

        Assert.True(agreement.Difference.Low < Tolerance);
        Assert.Equal(Outcome.Inconclusive, check!.Outcome);
        Assert.Equal(GuestChecks, judged);
    }

    [Fact]
    public void A_missing_host_view_is_reported_as_unavailable_and_does_not_make_the_guest_invalid()
    {
        var missing = Enumerable.Range(0, 12).Select(_ => (89.0, (HostSegmentValues?)HostSegmentValues.Missing("no host view (static backend)"))).ToArray();

        var (agreement, check, judged) = HostAgreementJudge.Judge("S1", missing, GuestChecks, Tolerance);

        Assert.Equal("no host view (static backend)", agreement.Unavailable);
        Assert.Null(check);
        Assert.Equal(GuestChecks, judged);
        Assert.Equal(Outcome.Pass, new Verdict("x", judged).Outcome);
    }

    [Fact]
    public void A_host_that_gave_no_reading_within_the_segments_is_unavailable_not_a_disagreement()
    {
        var gaps = Enumerable.Range(0, 12).Select(_ => (89.0, (HostSegmentValues?)new HostSegmentValues(double.NaN))).ToArray();

        var (agreement, check, _) = HostAgreementJudge.Judge("S1", gaps, GuestChecks, Tolerance);

        Assert.Contains("0 of the guest's 12 segments", agreement.Unavailable);
        Assert.Null(check);
    }

    [Fact]
    public void The_console_table_shows_in_guest_against_host_per_guest_or_why_there_is_no_host_view()
    {
        var (agreement, check, _) = HostAgreementJudge.Judge("S1", Segments(89, 88.5), GuestChecks, Tolerance);
        var table = HostViewText.Table([Guest("S1", agreement)], [check!]);
        Assert.Contains("in-guest    host  difference", table);
        Assert.Matches(@"S1\s+89\.0\s+88\.5\s+\+0\.5\s+\[\+0\.\d, \+0\.\d\]\s+±5\.0\s+pass", table);

        var none = HostAgreement.Missing("no host view (static backend)");
        Assert.Equal("host view: no host view (static backend)", HostViewText.Table([Guest("S1", none), Guest("S2", none)], []).Trim());
        Assert.Equal("", HostViewText.Table([Guest("S1", null)], []));
    }

    [Fact]
    public async Task A_testbed_without_a_host_view_says_which_backend_has_none()
    {
        ITestbed testbed = new StaticLike();

        var edge = await testbed.HostView.ReadAsync(null!, TestContext.Current.CancellationToken);

        Assert.Equal("no host view (static backend)", edge.Unavailable);
        Assert.Equal("no host view (static backend)", testbed.HostView.Between(null!, edge, edge).Unavailable);
    }

    private sealed class StaticLike : ITestbed
    {
        public string RunId => "r";

        public IReadOnlyList<IGuest> Guests => [];

        public IReadOnlyDictionary<string, string> Facts { get; } = new Dictionary<string, string> { ["backend"] = "static" };

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    internal static GuestMeasurement Guest(string name, HostAgreement? host) =>
        new(name, "c", 90, 80, 89, 80, SeriesSummary.Of([]), SeriesSummary.Of([]), SeriesSummary.Of([]), 9,
            new CalibrationOutcome(1, true, 90, 0, 0, 0, 0), [], Host: host);
}
