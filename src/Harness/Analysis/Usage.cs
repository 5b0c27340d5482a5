using Harness.Sampling;
using Harness.Testbeds;

namespace Harness.Analysis;

/// <summary>One interval between two consecutive samples, as percentages of the guest's allocation.</summary>
public sealed record UsagePoint(double GuestTime, double CpuPercent, double RamPercent, double StealPercent);

/// <summary>Turns raw counters into percentages of what the guest was allocated.</summary>
public static class Usage
{
    private const long NoLimit = 1L << 60;

    public static IReadOnlyList<UsagePoint> Series(IReadOnlyList<CounterSample> samples, GuestAllocation allocation)
    {
        var points = new List<UsagePoint>(Math.Max(0, samples.Count - 1));
        for (var i = 1; i < samples.Count; i++)
        {
            var (cpu, steal) = Cpu(samples[i - 1], samples[i], allocation);
            points.Add(new UsagePoint(samples[i].GuestTime, cpu, RamPercent(samples[i], allocation), steal));
        }
        return points;
    }

    /// <summary>CPU % of allocation over the whole span between two samples, and steal % (VMs only, else 0).</summary>
    public static (double CpuPercent, double StealPercent) Cpu(CounterSample from, CounterSample to, GuestAllocation allocation)
    {
        if (to["cpu_ns"] is { } end && from["cpu_ns"] is { } start)
        {
            var seconds = to.GuestTime - from.GuestTime;
            if (seconds <= 0) return (double.NaN, 0);
            return ((end - start) / (seconds * 1e9 * AllocatedCpus(to, allocation)) * 100, 0);
        }
        if (to["idle"] is not null && from["idle"] is not null)
        {
            double busy = BusyTicks(to) - BusyTicks(from);
            double steal = (to["steal"] ?? 0) - (from["steal"] ?? 0);
            double total = busy + steal + (to["idle"]!.Value - from["idle"]!.Value) + ((to["iowait"] ?? 0) - (from["iowait"] ?? 0));
            return total <= 0 ? (double.NaN, 0) : (busy / total * 100, steal / total * 100);
        }
        throw new InvalidOperationException("samples carry neither cgroup nor /proc/stat CPU counters");
    }

    public static double RamPercent(CounterSample sample, GuestAllocation allocation)
    {
        if (sample["mem_bytes"] is { } used)
        {
            var limit = sample["mem_limit"] is { } l and > 0 and < NoLimit ? l : allocation.MemoryBytes;
            return (used - (sample["inactive_file"] ?? 0)) * 100.0 / limit;
        }
        if (sample["mem_total"] is { } total && sample["mem_available"] is { } available)
        {
            return (total - available) * 100.0 / total;
        }
        throw new InvalidOperationException("sample carries neither cgroup nor /proc/meminfo memory counters");
    }

    /// <summary>Bytes in use as the RAM percentage counts them.</summary>
    public static long UsedBytes(CounterSample sample, GuestAllocation allocation) =>
        (long)(RamPercent(sample, allocation) / 100 * MemoryLimit(sample, allocation));

    public static long MemoryLimit(CounterSample sample, GuestAllocation allocation) =>
        sample["mem_limit"] is { } l and > 0 and < NoLimit ? l
        : sample["mem_total"] is { } t ? t
        : allocation.MemoryBytes;

    // The guest's own quota wins over the configured allocation: it is what the kernel enforces.
    private static double AllocatedCpus(CounterSample s, GuestAllocation allocation) =>
        s["quota_us"] is { } q and > 0 && s["period_us"] is { } p and > 0 ? (double)q / p : allocation.Cpus;

    /// <summary>/proc/stat's tick rate (USER_HZ), 100 on every Linux architecture the harness runs on.</summary>
    public const double UserHz = 100;

    // /proc/stat's user and nice already include guest and guest_nice.
    internal static long BusyTicks(CounterSample s) =>
        (s["user"] ?? 0) + (s["nice"] ?? 0) + (s["system"] ?? 0) + (s["irq"] ?? 0) + (s["softirq"] ?? 0)
        - (s["guest"] ?? 0) - (s["guest_nice"] ?? 0);
}
