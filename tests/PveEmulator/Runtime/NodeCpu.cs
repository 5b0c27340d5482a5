namespace PveEmulator.Runtime;

/// <summary>
/// A node's `cpu` as PVE's API computes it (pve-common ProcFSTools read_proc_stat, behaviour carried over): busy
/// ticks (user, nice, system, irq, softirq, steal of /proc/stat) over all ticks since the answering worker last
/// computed, and only once at least 1000 ticks have passed over all CPUs (10 s / CPUs at 100 ticks per second);
/// until then that worker repeats its last value, and a worker's very first answer is 0. Each of pveproxy's
/// workers (3 by default) keeps its own last reading, and a call lands on whichever worker accepts it.
/// </summary>
public sealed class NodeCpu(Func<string> readProcStat, Func<double> clockSeconds, int workers = 3, int seed = 1)
{
    private const double ClockTicksPerSecond = 100, MinimumTicks = 1000;

    private readonly Reading?[] _last = new Reading?[workers];
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();

    public static NodeCpu OfThisHost() =>
        new(() => File.ReadAllText("/proc/stat"), () => Environment.TickCount64 / 1000.0);

    /// <summary>The share of the node's CPUs busy, as the worker that takes this call answers it.</summary>
    public double Read()
    {
        var now = Parse(readProcStat(), clockSeconds());
        lock (_gate)
        {
            var worker = _random.Next(_last.Length);
            var last = _last[worker] ??= now;
            if ((now.At - last.At) * ClockTicksPerSecond * now.Cpus <= MinimumTicks) return last.Cpu;
            var window = (now.At - last.At) * ClockTicksPerSecond * now.Cpus;
            var used = Math.Min(now.Used - last.Used, window);
            var total = Math.Min(now.Total - last.Total, window);
            _last[worker] = now with { Cpu = total > 0 ? used / total : 0 };
            return _last[worker]!.Cpu;
        }
    }

    private sealed record Reading(double At, double Used, double Total, int Cpus, double Cpu);

    private static Reading Parse(string procStat, double at)
    {
        var lines = procStat.Split('\n');
        var f = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal [guest guest_nice]; guest time is already inside user.
        var used = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
        var total = f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
        var cpus = Math.Max(1, lines.Count(l => l.StartsWith("cpu", StringComparison.Ordinal) && l.Length > 3 && char.IsDigit(l[3])));
        return new Reading(at, used, total, cpus, 0);
    }
}
