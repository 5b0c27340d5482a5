using System.Globalization;

namespace Harness.Testbeds.Docker;

/// <summary>The host's own CPU time from the first line of /proc/stat.</summary>
internal static class ProcStat
{
    // USER_HZ, fixed at 100 on Linux for the values /proc/stat shows.
    private const double TicksPerSecond = 100;

    /// <summary>
    /// Busy CPU-seconds since boot: user, nice, system, irq, softirq and steal; idle and iowait are not busy. Guest
    /// time is already inside user and nice. Null for a line that is not the "cpu" total.
    /// </summary>
    public static double? Busy(string? cpuLine)
    {
        var fields = cpuLine?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields is not { Length: >= 8 } || fields[0] != "cpu") return null;
        var ticks = new long[fields.Length - 1];
        for (var i = 1; i < fields.Length; i++)
        {
            if (!long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out ticks[i - 1])) return null;
        }
        // user nice system idle iowait irq softirq steal
        var busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7];
        return busy / TicksPerSecond;
    }
}
