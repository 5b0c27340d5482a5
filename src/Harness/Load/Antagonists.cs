using System.Globalization;
using Harness.Scenarios;

namespace Harness.Load;

/// <summary>
/// Starts a guest's antagonists (stress-ng: --hdd for io, --stream for membw, --cache for cache, --fork for fork), each in a session of its own whose
/// group id lands in a pid file, so that the generators' freeze, thaw and stop reach them by the same glob as
/// everything else (<see cref="GuestProcesses"/>). An intensity below 100 is a duty cycle: a pacer (a copy of
/// bash named harness-antpace) thaws the group for that share of each 200 ms cycle and freezes it for the rest.
/// </summary>
public static class Antagonists
{
    internal const string PidGlob = "/tmp/harness-ant-*.pid";
    internal const string PacerPidGlob = "/tmp/harness-antpace-*.pid";
    internal const string PacerName = "harness-antpace";
    private const int CycleMilliseconds = 200;

    // A file per io worker, small enough that the writes keep going to the device rather than settling in the
    // guest's page cache, large enough that they are not one block rewritten in place.
    private const string IoBytes = "128m";
    // Four writers keep the disk's queue busy (IBS's disk test ran ten IOzone threads); measured here, two moved a
    // victim's median write latency by only 12-20%.
    private const int IoWorkers = 4;
    // Children a fork worker may have alive at once: with the worker and stress-ng's parent, a guest runs at most
    // workers × (ForkMax + 1) + 1 stress-ng processes (10 on a guest of one CPU), far below any pids limit (the
    // Docker testbed sets none; the container's share of the kernel's pid_max is what a fork bomb would exhaust).
    private const int ForkMax = 8;

    /// <summary>
    /// The stress-ng line of one antagonist; workers follow the guest's CPUs (stream, cache, fork) or are fixed (io,
    /// mostly waiting on the disk). The cache workers walk a buffer of the last-level cache's size (level 3, the
    /// one level the guests share on this host) and leave CPU placement to the kernel, as the victims' loads do,
    /// rather than hopping between CPUs by affinity, which a cpuset may forbid.
    /// </summary>
    public static string StressNgArguments(Antagonist a, double allocatedCpus, TimeSpan timeout)
    {
        var seconds = ProcessGroups.Seconds(timeout);
        return a.Class switch
        {
            Antagonist.Io => $"--hdd {IoWorkers} --hdd-bytes {IoBytes}{(a.Sync ? " --hdd-opts fsync" : "")} --temp-path /tmp --timeout {seconds}s",
            Antagonist.Membw => $"--stream {CpuSetting.Workers(allocatedCpus)} --timeout {seconds}s",
            Antagonist.Cache => $"--cache {CpuSetting.Workers(allocatedCpus)} --cache-level 3 --cache-no-affinity --timeout {seconds}s",
            Antagonist.Fork => $"--fork {CpuSetting.Workers(allocatedCpus)} --fork-max {ForkMax} --timeout {seconds}s",
            _ => throw new ArgumentException($"antagonist class '{a.Class}' is not implemented", nameof(a)),
        };
    }

    /// <summary>Starts every antagonist of <paramref name="load"/> (stopping any left by an earlier attempt first).</summary>
    public static string Start(GuestLoad load, double allocatedCpus, TimeSpan timeout)
    {
        var lines = new List<string> { Stop };
        var list = load.AntagonistsOrNone;
        for (var i = 0; i < list.Count; i++)
        {
            var pid = $"/tmp/harness-ant-{i}.pid";
            lines.Add(ProcessGroups.Start(pid, $"cd /tmp && exec stress-ng {StressNgArguments(list[i], allocatedCpus, timeout)}"));
            if (list[i].Intensity >= 100) continue;
            var on = (int)Math.Round(list[i].Intensity / 100 * CycleMilliseconds);
            var body = """
                exec 9<> <(:); g=$1
                while kill -0 -- -$g 2>/dev/null; do
                  kill -CONT -- -$g 2>/dev/null; read -t $2 -u 9 _
                  kill -STOP -- -$g 2>/dev/null; read -t $3 -u 9 _
                done
                """;
            lines.Add("cp -f /bin/bash /tmp/" + PacerName + " || exit 1");
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"setsid /tmp/{PacerName} -c '{body.Replace("'", "'\\''", StringComparison.Ordinal)}' {PacerName} $(cat {pid}) {on / 1000.0:0.000} {(CycleMilliseconds - on) / 1000.0:0.000} </dev/null >/dev/null 2>&1 & echo $! > /tmp/harness-antpace-{i}.pid"));
        }
        return string.Join('\n', lines);
    }

    /// <summary>Stops every antagonist and its pacer (the pacer first, so it cannot thaw a group between the kills).</summary>
    public static string Stop =>
        $"for f in {PacerPidGlob} {PidGlob}; do [ -f \"$f\" ] || continue; g=$(cat \"$f\"); rm -f \"$f\"; " +
        "kill -KILL -- \"-$g\" 2>/dev/null; kill -CONT -- \"-$g\" 2>/dev/null; " +
        "i=0; while kill -0 -- \"-$g\" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.05; i=$((i+1)); done; done; rm -rf /tmp/tmp-stress-ng-*; true";
}
