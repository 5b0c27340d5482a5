using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Harness.Scenarios;

namespace Harness.Load;

/// <summary>
/// Starts a guest's antagonists (stress-ng: --hdd for io, --stream for membw, --cache for cache, --fork for fork), each in a session of its own whose
/// group id lands in a pid file, so that the generators' freeze, thaw and stop reach them by the same glob as
/// everything else (<see cref="GuestProcesses"/>). An intensity below 100 is a duty cycle: a pacer (a copy of
/// bash named harness-antpace) thaws the group for that share of each 200 ms cycle and freezes it for the rest.
/// The net antagonist is no stress-ng stressor (<see cref="NetCommand"/>) but is started, paced and stopped alike.
/// </summary>
public static class Antagonists
{
    internal const string PidGlob = "/tmp/harness-ant-*.pid";
    internal const string PacerPidGlob = "/tmp/harness-antpace-*.pid";
    internal const string PacerName = "harness-antpace";
    // The net sender's loop (a copy of bash) and its writer (a copy of dd, "harness-antnetw"): one name prefix, so
    // the stops' pgrep finds both.
    internal const string NetName = "harness-antnet";
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

    // The largest UDP payload: the most bytes on the wire per system call the sender's CPU quota pays for (IP
    // fragments each into 45 frames on a 1500-byte bridge; the receiver reassembles them in its kernel). Port 9
    // (discard) has no listener in the guests: the neighbour's kernel drops the datagram, no process of it wakes.
    private const int NetDatagramBytes = 65507;
    internal const int NetPort = 9;

    /// <summary>
    /// The net antagonist's command: one sender per target, each a loop of dd writing datagrams of zeros into a UDP
    /// socket. A neighbour answers some datagrams with "port unreachable", which fails the next write and ends that
    /// dd; its loop starts another after 10 ms. The group kills itself once <paramref name="timeout"/> has passed on
    /// the clock (a timer of its own would stand still while the pacer or a pause holds it stopped).
    /// </summary>
    public static string NetCommand(IReadOnlyList<string> targets, string pidFile, TimeSpan timeout)
    {
        if (targets.Count == 0) throw new ArgumentException("a net antagonist needs at least one neighbour to send to", nameof(targets));
        foreach (var t in targets)
        {
            if (!IsOwnNetworkAddress(t)) throw new ArgumentException($"'{t}' is not a loopback or private address; a net antagonist sends only to the testbed's own guests", nameof(targets));
        }
        var body = $$"""
            exec 9<> <(:); end=$(( ${EPOCHREALTIME/./} + $1 * 1000000 )); shift
            for a in "$@"; do
              while :; do /tmp/{{NetName}}w if=/dev/zero bs={{NetDatagramBytes}} count=100000000 2>/dev/null >/dev/udp/$a/{{NetPort}} || read -t 0.01 -u 9 _; done &
            done
            while (( ${EPOCHREALTIME/./} < end )); do read -t 1 -u 9 _; done; kill -KILL 0
            """;
        return $"cp -f /bin/dd /tmp/{NetName}w && cp -f /bin/bash /tmp/{NetName} || exit 1; " +
            $"setsid /tmp/{NetName} -c '{body.Replace("'", "'\\''", StringComparison.Ordinal)}' {NetName} {ProcessGroups.Seconds(timeout)} {string.Join(' ', targets)} </dev/null >/dev/null 2>&1 & echo $! > {pidFile}";
    }

    /// <summary>
    /// Whether an address is one a testbed on this machine can have given a guest: loopback, or private (RFC 1918,
    /// IPv6 unique-local or link-local). Anything else is refused, so that traffic never leaves for another host.
    /// </summary>
    public static bool IsOwnNetworkAddress(string text)
    {
        if (!IPAddress.TryParse(text, out var a) || a.ToString() != text) return false;
        if (IPAddress.IsLoopback(a)) return true;
        if (a.AddressFamily == AddressFamily.InterNetworkV6) return a.IsIPv6UniqueLocal || a.IsIPv6LinkLocal;
        var b = a.GetAddressBytes();
        return b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168);
    }

    /// <summary>
    /// Starts every antagonist of <paramref name="load"/> (stopping any left by an earlier attempt first).
    /// <paramref name="netTargets"/> are the addresses a net antagonist sends to: the row's other guests.
    /// </summary>
    public static string Start(GuestLoad load, double allocatedCpus, TimeSpan timeout, IReadOnlyList<string>? netTargets = null)
    {
        var lines = new List<string> { Stop };
        var list = load.AntagonistsOrNone;
        for (var i = 0; i < list.Count; i++)
        {
            var pid = $"/tmp/harness-ant-{i}.pid";
            lines.Add(list[i].Class == Antagonist.Net
                ? NetCommand(netTargets ?? [], pid, timeout)
                : ProcessGroups.Start(pid, $"cd /tmp && exec stress-ng {StressNgArguments(list[i], allocatedCpus, timeout)}"));
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
