using System.Globalization;

namespace Harness.Load;

/// <summary>
/// Shell commands that start, stop and check the stress-ng loads inside a guest. Each stressor runs in its own
/// session (setsid) with its process-group id in a pid file, so it can be stopped as a group; each carries a
/// --timeout, so a harness that dies cannot leave a load running for ever. The CPU load runs at nice 19: inside its
/// own guest it then yields to the probe at once, so the probe's latency shows what the neighbours cost, not what
/// the guest's own load costs (niceness acts within the guest's cgroup or VM, not between guests).
/// </summary>
public static class StressNg
{
    // A fixed method: the default ("all") cycles through methods of different cost and gives an unsteady load.
    public const string CpuMethod = "int64";

    internal const string CpuPidFile = "/tmp/harness-cpu.pid";
    internal const string VmPidFile = "/tmp/harness-vm.pid";

    /// <summary>Duty-cycle CPU load. <paramref name="loadPercent"/> is per worker, of wall time (stress-ng's own unit).</summary>
    public static string StartCpu(int workers, int loadPercent, TimeSpan timeout) =>
        StartGroup(CpuPidFile, string.Create(CultureInfo.InvariantCulture,
            $"exec nice -n 19 stress-ng --cpu {workers} --cpu-load {loadPercent} --cpu-method {CpuMethod} --timeout {Seconds(timeout)}s --metrics-brief"));

    /// <summary>Allocates and touches <paramref name="bytes"/> once, then sleeps (about 0% CPU).</summary>
    public static string StartMemory(long bytes, TimeSpan timeout) =>
        StartGroup(VmPidFile, string.Create(CultureInfo.InvariantCulture,
            $"exec stress-ng --vm 1 --vm-bytes {Math.Max(4, bytes / 1024)}k --vm-keep --vm-hang 0 --timeout {Seconds(timeout)}s"));

    public static string StopCpu => StopGroup(CpuPidFile);

    /// <summary>Freezes the CPU load and the probe (SIGSTOP to their groups): the guest becomes an idle neighbour
    /// at once, and keeps its memory and its calibrated setting for when it resumes.</summary>
    public static string Pause => Signal("STOP");

    public static string Resume => Signal("CONT");

    private static string Signal(string signal) =>
        $"for f in {CpuPidFile} /tmp/harness-probe.pid; do [ -f $f ] && kill -{signal} -- \"-$(cat $f)\" 2>/dev/null; done; true";

    public static string StopMemory => StopGroup(VmPidFile);

    /// <summary>Stops every load (also ones not started by this run) and prints whatever is still alive afterwards.</summary>
    public const string StopAllAndList = """
        for f in /tmp/harness-cpu.pid /tmp/harness-vm.pid /tmp/harness-probe.pid; do
          [ -f "$f" ] && kill -CONT -- "-$(cat "$f")" 2>/dev/null && kill -TERM -- "-$(cat "$f")" 2>/dev/null; rm -f "$f"
        done
        i=0
        while pgrep '^(stress|cpulimit|harness-probe)' >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
        pkill -KILL '^(stress|cpulimit|harness-probe)' 2>/dev/null
        i=0
        while pgrep '^(stress|cpulimit|harness-probe)' >/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done
        pgrep -a '^(stress|cpulimit|harness-probe)' || true
        """;

    /// <summary>Runs a shell command line as the leader of a new session whose group id lands in the pid file.</summary>
    internal static string StartGroup(string pidFile, string command) =>
        $"setsid sh -c '{command}' </dev/null >/dev/null 2>&1 & echo $! > {pidFile}";

    // SIGKILL at once: a load is restarted many times per scenario (calibration, solo/co-run switches) and
    // nothing it would say on a graceful exit is used. A frozen group is thawed so that it can die.
    private static string StopGroup(string pidFile) => $"""
        if [ -f {pidFile} ]; then
          g=$(cat {pidFile}); rm -f {pidFile}
          kill -KILL -- "-$g" 2>/dev/null; kill -CONT -- "-$g" 2>/dev/null
          i=0; while kill -0 -- "-$g" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.05; i=$((i+1)); done
        fi
        true
        """;

    private static long Seconds(TimeSpan t) => (long)Math.Ceiling(t.TotalSeconds);
}
