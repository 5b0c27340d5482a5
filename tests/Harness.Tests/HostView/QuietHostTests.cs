using Harness.Analysis;
using Harness.Sampling;
using Harness.Testbeds.Docker;
using Xunit;

namespace Harness.Tests.HostView;

/// <summary>The host's use outside the guests: read from /proc/stat less the guests' cgroups, held to its level before calibration.</summary>
public sealed class QuietHostTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 7, 0, 0, TimeSpan.Zero);
    private static readonly CounterSample Sample = new(T0, 0, new Dictionary<string, long>());

    private static GuestSegment At(int rep, string? solo, double outside) =>
        new(new Segment(rep, solo is null ? SegmentKind.CoRun : SegmentKind.Solo, solo), solo ?? "S1", Sample, Sample,
            new HostSegmentValues(50, OutsideCpuPercent: outside));

    [Fact]
    public void Busy_time_counts_user_nice_system_irq_softirq_and_steal_but_not_idle_or_iowait()
    {
        // user nice system idle iowait irq softirq steal guest guest_nice, in USER_HZ ticks
        Assert.Equal((100 + 20 + 30 + 6 + 7 + 8) / 100.0, ProcStat.Busy("cpu  100 20 30 4000 500 6 7 8 0 0"));
        Assert.Null(ProcStat.Busy("cpu0 100 20 30 4000 500 6 7 8 0 0"));
        Assert.Null(ProcStat.Busy("cpu  100 20"));
        Assert.Null(ProcStat.Busy(null));
    }

    [Fact]
    public async Task Outside_the_guests_is_the_hosts_busy_time_less_every_guests_cgroup_time()
    {
        var stat = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(stat, "cpu  1000 0 500 90000 0 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n", TestContext.Current.CancellationToken);
            var view = new DockerHostView("unix:///var/run/docker.sock", procStat: stat);
            var busy = await view.ReadHostAsync(TestContext.Current.CancellationToken);
            Assert.Equal(15.0, busy!.BusySeconds);

            HostEdge Edge(double seconds, long ns) => new(T0.AddSeconds(seconds), new Dictionary<string, long> { ["cpu_ns"] = ns });
            // Over 2 s the host was busy 1.5 CPU-seconds; the two guests took 0.6 and 0.7: 0.2 s outside, 10% of a CPU.
            var outside = view.OutsideCpuPercent(new HostBusy(T0, 15), new HostBusy(T0.AddSeconds(2), 16.5),
                [(Edge(0, 1_000_000_000), Edge(2, 1_600_000_000)), (Edge(0, 0), Edge(2, 700_000_000))]);
            Assert.Equal(10, outside!.Value, 6);
            Assert.Null(view.OutsideCpuPercent(new HostBusy(T0, 15), new HostBusy(T0.AddSeconds(2), 16.5), [(Edge(0, 5), new HostEdge(T0, new Dictionary<string, long>()))]));
            Assert.Null(await new DockerHostView("tcp://127.0.0.1:2375", procStat: stat).ReadHostAsync(TestContext.Current.CancellationToken));
        }
        finally
        {
            File.Delete(stat);
        }
    }

    [Fact]
    public void A_host_that_stays_as_quiet_as_before_calibration_is_noted_and_one_that_got_busy_makes_the_scenario_invalid()
    {
        var quiet = new[] { At(1, null, 9), At(1, "S2", 12), At(2, null, 14) };
        var (invalid, note) = QuietHost.Judge(8, quiet, tolerance: 25);
        Assert.Null(invalid);
        Assert.Equal("host outside the guests: 8.0% of a CPU before calibration, 9.0–14.0% during the 3 segments", note);

        var busy = new[] { At(1, null, 9), At(2, "S3", 61.5), At(2, null, 14) };
        (invalid, _) = QuietHost.Judge(8, busy, tolerance: 25);
        Assert.Equal("host busy: outside the guests the host used 61.5% of a CPU in repetition 2 (S3 alone) against 8.0% before calibration, " +
                     "more than HARNESS_QUIET_HOST_TOLERANCE (25) above it: something else ran beside the scenario", invalid);
    }

    [Fact]
    public void Without_a_host_view_nothing_is_judged_or_noted()
    {
        Assert.Equal((null, null), QuietHost.Judge(null, [At(1, null, 90)], 25));
        var blind = new GuestSegment(new Segment(1, SegmentKind.CoRun, null), "S1", Sample, Sample, HostSegmentValues.Missing("no host view"));
        Assert.Equal((null, null), QuietHost.Judge(8, [blind], 25));
    }

    [Fact]
    public void A_host_that_cannot_split_its_CPU_per_segment_is_judged_over_the_whole_measurement()
    {
        var segments = new[] { At(1, null, 0) with { Host = new HostSegmentValues(50) } };

        var (invalid, note) = QuietHost.Judge(10, segments, tolerance: 25, overall: 30);
        Assert.Null(invalid);
        Assert.Equal("host outside the guests: 10.0% of a CPU before calibration, 30.0% over the measurement (the node's own figure, which cannot be split per segment)", note);

        (invalid, _) = QuietHost.Judge(10, segments, tolerance: 25, overall: 40);
        Assert.StartsWith("host busy: outside the guests the node used 40.0% of a CPU over the measurement against 10.0% before calibration", invalid);
        Assert.Equal((null, null), QuietHost.Judge(null, segments, 25, overall: 40));
    }
}
