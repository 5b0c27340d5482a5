using Harness.Analysis;
using Harness.Sampling;
using Harness.Testbeds;
using Xunit;

namespace Harness.Tests.Analysis;

public sealed class UsageTests
{
    private static readonly GuestAllocation Alloc = new(0.4, 1L << 30);

    private static CounterSample S(string line) => CounterSample.Parse(line, DateTimeOffset.UnixEpoch)!;

    [Fact]
    public void Cgroup_cpu_is_cpu_time_over_wall_time_over_the_quota()
    {
        // 0.36 s of CPU in 1 s under a 40 ms / 100 ms quota = 90 % of the allocation.
        var a = S("t=100.00 cpu_ns=1000000000 quota_us=40000 period_us=100000 mem_bytes=0 mem_limit=1073741824");
        var b = S("t=101.00 cpu_ns=1360000000 quota_us=40000 period_us=100000 mem_bytes=0 mem_limit=1073741824");
        Assert.Equal(90, Usage.Cpu(a, b, Alloc).CpuPercent, 6);
    }

    [Fact]
    public void Without_a_quota_the_configured_allocation_is_the_denominator()
    {
        var a = S("t=0 cpu_ns=0 quota_us=-1 period_us=100000");
        var b = S("t=2 cpu_ns=400000000");
        Assert.Equal(50, Usage.Cpu(a, b, Alloc).CpuPercent, 6);
    }

    [Fact]
    public void Cgroup_ram_is_working_set_over_the_limit()
    {
        var s = S("t=1 mem_bytes=900000000 inactive_file=100000000 mem_limit=1000000000");
        Assert.Equal(80, Usage.RamPercent(s, Alloc), 6);
        Assert.Equal(800000000, Usage.UsedBytes(s, Alloc));
    }

    [Fact]
    public void Cgroup_v2_unlimited_memory_falls_back_to_the_allocation()
    {
        var s = S("t=1 mem_bytes=536870912 inactive_file=0 mem_limit=max");
        Assert.Equal(50, Usage.RamPercent(s, Alloc), 6);
    }

    [Fact]
    public void Procfs_cpu_excludes_steal_and_iowait_and_reports_steal_apart()
    {
        var a = S("t=0 user=0 nice=0 system=0 idle=0 iowait=0 irq=0 softirq=0 steal=0 guest=0 guest_nice=0 mem_total=1000 mem_available=500");
        var b = S("t=1 user=50 nice=0 system=10 idle=20 iowait=10 irq=0 softirq=0 steal=10 guest=0 guest_nice=0 mem_total=1000 mem_available=300");
        var (cpu, steal) = Usage.Cpu(a, b, Alloc);
        Assert.Equal(60, cpu, 6);
        Assert.Equal(10, steal, 6);
        Assert.Equal(70, Usage.RamPercent(b, Alloc), 6);
    }

    [Fact]
    public void Series_has_one_point_per_interval()
    {
        var samples = new[]
        {
            S("t=0 cpu_ns=0 quota_us=40000 period_us=100000 mem_bytes=100 mem_limit=1000"),
            S("t=1 cpu_ns=200000000 quota_us=40000 period_us=100000 mem_bytes=200 mem_limit=1000"),
            S("t=2 cpu_ns=600000000 quota_us=40000 period_us=100000 mem_bytes=300 mem_limit=1000"),
        };
        var series = Usage.Series(samples, Alloc);
        Assert.Equal([50.0, 100.0], series.Select(p => Math.Round(p.CpuPercent, 6)));
        Assert.Equal([20.0, 30.0], series.Select(p => Math.Round(p.RamPercent, 6)));
    }

    [Theory]
    [InlineData("bash: warning: something")]
    [InlineData("cpu_ns=5")]
    [InlineData("t=abc cpu_ns=5")]
    public void Lines_that_are_not_samples_are_ignored(string line) =>
        Assert.Null(CounterSample.Parse(line, DateTimeOffset.UnixEpoch));
}
