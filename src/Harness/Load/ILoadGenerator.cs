using System.Globalization;

namespace Harness.Load;

/// <summary>Which program makes the CPU and memory load inside a guest.</summary>
public enum LoadGeneratorKind
{
    /// <summary>stress-ng: duty-cycle CPU load, memory held with --vm-hang 0. The default.</summary>
    StressNg,

    /// <summary>The paper's tools: stress for the work, cpulimit (SIGSTOP/SIGCONT) to cap its CPU share.</summary>
    StressCpulimit,
}

/// <summary>
/// Shell commands that start one kind of load in a guest. A CPU "setting" is the generator's own integer knob
/// (stress-ng: --cpu-load per worker, % of wall time; cpulimit: -l, % of one CPU); the closed loop turns it.
/// Each load runs in its own session with its group id in a pid file, and ends by itself after the timeout.
/// </summary>
public interface ILoadGenerator
{
    string Description { get; }

    int Workers(double allocatedCpus);

    int OpenLoopSetting(double targetPercent, double allocatedCpus);

    string StartCpu(double allocatedCpus, int setting, TimeSpan timeout);

    string StartMemory(long bytes, TimeSpan timeout);

    public static ILoadGenerator For(LoadGeneratorKind kind) => kind switch
    {
        LoadGeneratorKind.StressCpulimit => new StressCpulimitGenerator(),
        _ => new StressNgGenerator(),
    };

    internal static string Seconds(TimeSpan t) => ((long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}

public sealed class StressNgGenerator : ILoadGenerator
{
    public string Description => $"stress-ng --cpu-method {StressNg.CpuMethod}";

    public int Workers(double allocatedCpus) => CpuSetting.Workers(allocatedCpus);

    public int OpenLoopSetting(double targetPercent, double allocatedCpus) => CpuSetting.OpenLoop(targetPercent, allocatedCpus);

    public string StartCpu(double allocatedCpus, int setting, TimeSpan timeout) => StressNg.StartCpu(Workers(allocatedCpus), setting, timeout);

    public string StartMemory(long bytes, TimeSpan timeout) => StressNg.StartMemory(bytes, timeout);
}

public sealed class StressCpulimitGenerator : ILoadGenerator
{
    public string Description => "stress + cpulimit (the paper's tools)";

    public int Workers(double allocatedCpus) => CpuSetting.Workers(allocatedCpus);

    // cpulimit's -l is a share of one CPU for the whole worker tree.
    public int OpenLoopSetting(double targetPercent, double allocatedCpus) =>
        Math.Clamp((int)Math.Round(targetPercent * allocatedCpus), 1, 100 * Workers(allocatedCpus));

    // cpulimit must watch the busy worker, not stress's idle parent, so it attaches to the parent's children.
    public string StartCpu(double allocatedCpus, int setting, TimeSpan timeout) =>
        StressNg.StartGroup(StressNg.CpuPidFile, string.Create(CultureInfo.InvariantCulture,
            $"nice -n 19 stress --cpu {Workers(allocatedCpus)} --timeout {ILoadGenerator.Seconds(timeout)} & s=$!; sleep 0.3; for w in $(pgrep -P $s); do cpulimit -p $w -l {Math.Max(1, setting / Workers(allocatedCpus))} -z -q & done; wait"));

    public string StartMemory(long bytes, TimeSpan timeout) =>
        StressNg.StartGroup(StressNg.VmPidFile, string.Create(CultureInfo.InvariantCulture,
            $"exec stress --vm 1 --vm-bytes {Math.Max(4, bytes / 1024)}k --vm-hang 0 --timeout {ILoadGenerator.Seconds(timeout)}"));
}
