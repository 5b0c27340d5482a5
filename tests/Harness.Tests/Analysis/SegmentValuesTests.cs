using Harness.Analysis;
using Harness.Load;
using Harness.Sampling;
using Harness.Testbeds;
using Xunit;

namespace Harness.Tests.Analysis;

public sealed class SegmentValuesTests
{
    private static CounterSample S(string line) => CounterSample.Parse(line, DateTimeOffset.UnixEpoch)!;

    [Fact]
    public void A_segment_gives_cpu_ram_wait_and_the_probe_inside_it()
    {
        var start = S("t=100.0 cpu_ns=0 quota_us=40000 period_us=100000 mem_bytes=500 mem_limit=1000 load_run_ns=0 load_wait_ns=0");
        var end = S("t=102.0 cpu_ns=720000000 quota_us=40000 period_us=100000 mem_bytes=800 mem_limit=1000 load_run_ns=700000000 load_wait_ns=200000000");
        ProbeSample[] probe = [new(99.9, 9999, 1), new(100.5, 2000, 2000), new(101.0, 2000, 1000), new(101.5, 4000, 2000), new(102.5, 9999, 1)];
        var v = SegmentValues.Of(new GuestSegment(new Segment(1, SegmentKind.CoRun, null), "S1", start, end), probe,
            new GuestAllocation(0.4, 1000));
        Assert.Equal(90, v.CpuPercent, 6);
        Assert.Equal(80, v.RamPercent, 6);
        Assert.Equal(10, v.WaitPercent, 6); // 0.2 s waiting in 2 s of wall time
        Assert.Equal(0.9 / 0.7, v.Stretch, 6); // 0.7 s on a CPU took 0.9 s runnable
        Assert.Equal(5000.0 / 8000 * 100, v.ProbeShare, 6); // pooled CPU over wall time of the three runs inside
        Assert.True(v.P99Microseconds > 3900);
    }

    [Fact]
    public void A_vm_reports_busy_and_steal_and_a_restarted_or_missing_counter_has_no_value()
    {
        var a = S("t=0 user=0 nice=0 system=0 idle=0 iowait=0 irq=0 softirq=0 steal=0 guest=0 guest_nice=0 load_run_ns=0 load_wait_ns=0");
        var b = S("t=1 user=60 nice=0 system=0 idle=20 iowait=0 irq=0 softirq=0 steal=20 guest=0 guest_nice=0 load_run_ns=9 load_wait_ns=9");
        Assert.Equal((0.6, 0.2), SegmentValues.RunAndWait(a, b));
        var (run, wait) = SegmentValues.RunAndWait(S("t=0 load_run_ns=900 load_wait_ns=500"), S("t=1 load_run_ns=1000 load_wait_ns=100"));
        Assert.True(double.IsNaN(run) && double.IsNaN(wait));
        Assert.True(double.IsNaN(SegmentValues.RunAndWait(S("t=0 cpu_ns=1"), S("t=1 cpu_ns=2")).Run));
    }

    [Fact]
    public void Probe_output_is_parsed_and_junk_is_dropped()
    {
        // Third column: cumulative CPU at the run's start; a run's CPU is the next start's minus its own.
        var samples = Probe.Parse("1795620000.123456 2100 5000\nnot a line\n1795620000.223456 0 0\n1795620000.323456 1900 7000\n1795620000.423456 2000 7950\n");
        Assert.Equal([2100.0, 1900.0], samples.Select(s => s.LatencyMicroseconds));
        Assert.Equal([2000.0, 950.0], samples.Select(s => s.CpuMicroseconds));
    }
}
