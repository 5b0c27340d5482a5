using System.Globalization;

namespace Harness.Load;

/// <summary>
/// Shell commands that start, stop and check the stress-ng loads inside a guest. Each stressor runs in its own
/// session (setsid) with its process-group id in a pid file, so it can be stopped as a group; each carries a
/// --timeout, so a harness that dies cannot leave a load running for ever.
/// </summary>
public static class StressNg
{
    // A fixed method: the default ("all") cycles through methods of different cost and gives an unsteady load.
    public const string CpuMethod = "int64";

    private const string CpuPidFile = "/tmp/harness-cpu.pid";
    private const string VmPidFile = "/tmp/harness-vm.pid";

    /// <summary>Duty-cycle CPU load. <paramref name="loadPercent"/> is per worker, of wall time (stress-ng's own unit).</summary>
    public static string StartCpu(int workers, int loadPercent, TimeSpan timeout) =>
        Start(CpuPidFile, string.Create(CultureInfo.InvariantCulture,
            $"stress-ng --cpu {workers} --cpu-load {loadPercent} --cpu-method {CpuMethod} --timeout {Seconds(timeout)}s --metrics-brief"));

    /// <summary>Allocates and touches <paramref name="bytes"/> once, then sleeps (about 0% CPU).</summary>
    public static string StartMemory(long bytes, TimeSpan timeout) =>
        Start(VmPidFile, string.Create(CultureInfo.InvariantCulture,
            $"stress-ng --vm 1 --vm-bytes {Math.Max(4, bytes / 1024)}k --vm-keep --vm-hang 0 --timeout {Seconds(timeout)}s"));

    public static string StopCpu => StopGroup(CpuPidFile);

    public static string StopMemory => StopGroup(VmPidFile);

    /// <summary>Stops every load (also ones not started by this run) and prints whatever is still alive afterwards.</summary>
    public const string StopAllAndList = """
        for f in /tmp/harness-cpu.pid /tmp/harness-vm.pid; do
          [ -f "$f" ] && kill -TERM -- "-$(cat "$f")" 2>/dev/null; rm -f "$f"
        done
        i=0
        while pgrep '^(stress|cpulimit)' >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
        pkill -KILL '^(stress|cpulimit)' 2>/dev/null
        i=0
        while pgrep '^(stress|cpulimit)' >/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done
        pgrep -a '^(stress|cpulimit)' || true
        """;

    private static string Start(string pidFile, string command) =>
        $"setsid sh -c 'exec {command}' </dev/null >/dev/null 2>&1 & echo $! > {pidFile}";

    private static string StopGroup(string pidFile) => $"""
        if [ -f {pidFile} ]; then
          g=$(cat {pidFile}); rm -f {pidFile}
          kill -TERM -- "-$g" 2>/dev/null
          i=0; while kill -0 -- "-$g" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
          kill -KILL -- "-$g" 2>/dev/null
        fi
        true
        """;

    private static long Seconds(TimeSpan t) => (long)Math.Ceiling(t.TotalSeconds);
}
