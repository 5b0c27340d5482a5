using PveEmulator.Runtime;
using Xunit;

namespace PveEmulator.Tests;

/// <summary>The node's cpu follows PVE's rule: a worker computes anew only after 1000 ticks over all CPUs.</summary>
public sealed class NodeCpuTests
{
    [Fact]
    public void A_worker_answers_0_first_repeats_its_value_until_1000_ticks_have_passed_and_then_computes_busy_over_all()
    {
        // 2 CPUs: 1000 ticks are 5 s. Ticks: user nice system idle iowait irq softirq steal guest guest_nice.
        var (now, stat) = (0.0, "");
        string Stat(long user, long idle, long iowait) => $"cpu  {user} 0 0 {idle} {iowait} 0 0 0 0 0\ncpu0 0\ncpu1 0\n";
        var cpu = new NodeCpu(() => stat, () => now, workers: 1);

        stat = Stat(0, 0, 0);
        Assert.Equal(0, cpu.Read());
        (now, stat) = (3, Stat(300, 300, 0));
        Assert.Equal(0, cpu.Read()); // 600 ticks: the old value
        (now, stat) = (6, Stat(450, 650, 100));
        Assert.Equal(450.0 / 1200, cpu.Read(), 9); // iowait counts in the total, not as busy
        (now, stat) = (7, Stat(650, 650, 100));
        Assert.Equal(450.0 / 1200, cpu.Read(), 9);
    }
}
