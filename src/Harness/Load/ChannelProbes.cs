using System.Globalization;

namespace Harness.Load;

/// <summary>
/// One run of a channel probe: when it started and ended (guest clock, seconds, the sampler's clock) and what it
/// measured. I/O: Value is one synchronous write's latency in microseconds. Network: Value is one round trip to a
/// neighbour in microseconds. Memory bandwidth: Value is the bytes the
/// worker wrote and Cpu the CPU time in nanoseconds it took to write them.
/// </summary>
public readonly record struct ChannelSample(double Start, double End, double Value, double Cpu = double.NaN);

/// <summary>
/// Victim probes for the channels a CPU probe cannot see, run inside every victim of a row with antagonists. Each
/// is a copy of bash, so the sampler's sums never count it and the generators' stops find it by name.
/// <para>I/O (harness-ioprobe): every 50 ms (some 25 writes per 1.5 s segment, so that a side's pooled p99 rests on more than its two slowest), one 4 KiB write with O_DSYNC to a file of its own, by a copy of dd
/// (harness-iowrite), whose own timer (it excludes fork and exec) is the latency: what a neighbour's disk traffic
/// costs a small synchronous write.</para>
/// <para>Memory bandwidth (harness-mbprobe): a copy of dd (harness-mbwork) clearing a 64 MiB buffer from
/// /dev/zero, larger than this host's last-level cache, is thawed for 10 ms every 500 ms; bytes from its
/// /proc/PID/io and CPU time from its schedstat, both read while it is stopped (so exact), give bytes per
/// CPU-second. Per CPU-second rather than per wall-second: a victim that merely waits for a CPU keeps its rate, a
/// victim whose memory accesses take longer loses it.</para>
/// <para>Network (harness-netprobe): every 20 ms one TCP connect from bash itself (/dev/tcp, no fork) to a port on
/// a neighbour where nothing listens: the neighbour's kernel answers the SYN with a reset, so the call's time is
/// one round trip guest → guest handled by kernels alone, never by a process the neighbour's freeze could stop.
/// Only a refused (or, were a listener there, accepted) connect counts; a timeout or unreachable host does not.</para>
/// </summary>
public static class ChannelProbes
{
    internal const string PidGlob = "/tmp/harness-chan-*.pid";
    internal const string LoopPidGlob = "/tmp/harness-chan-*-loop.pid";
    internal static readonly string[] ProcessNames = ["harness-ioprobe", "harness-iowrite", "harness-mbprobe", "harness-mbwork", "harness-netprobe"];
    private const string IoLog = "/tmp/harness-chan-io.log";
    private const string MembwLog = "/tmp/harness-chan-membw.log";
    private const string NetLog = "/tmp/harness-chan-net.log";

    /// <summary>The channels with a probe of their own; a row's other antagonist classes are judged by the victims' CPU checks.</summary>
    public static IReadOnlyList<string> Probed { get; } = [Scenarios.Antagonist.Io, Scenarios.Antagonist.Membw, Scenarios.Antagonist.Net];

    /// <param name="neighbour">The address the net probe measures its round trips to (the net channel only).</param>
    public static string Start(string channel, TimeSpan timeout, string? neighbour = null) => channel switch
    {
        Scenarios.Antagonist.Io => StartIo(timeout),
        Scenarios.Antagonist.Membw => StartMembw(timeout),
        Scenarios.Antagonist.Net => StartNet(timeout, neighbour ?? throw new ArgumentException("the net probe needs a neighbour's address", nameof(neighbour))),
        _ => throw new ArgumentException($"no probe for channel '{channel}'", nameof(channel)),
    };

    private static string StartIo(TimeSpan timeout)
    {
        var body = """
            exec 9<> <(:); end=$(( ${EPOCHREALTIME/./} + $1 * 1000000 ))
            /tmp/harness-iowrite if=/dev/zero of=/tmp/harness-io.dat bs=4k count=1 conv=fsync 2>/dev/null
            while :; do
              t0=$EPOCHREALTIME
              LC_ALL=C /tmp/harness-iowrite if=/dev/zero of=/tmp/harness-io.dat bs=4k count=1 oflag=dsync conv=notrunc 2>/tmp/harness-io.err
              t1=$EPOCHREALTIME; l=; while read -r x; do l=$x; done < /tmp/harness-io.err
              s=${l#*copied, }; s=${s%% s,*}
              printf '%s %s %s\n' "$t0" "$t1" "$s"
              (( ${t1/./} > end )) && exit 0
              read -t 0.05 -u 9 _
            done
            """;
        return Launch("io", "harness-ioprobe", "cp -f /bin/dd /tmp/harness-iowrite || exit 1", body, IoLog, timeout);
    }

    private static string StartMembw(TimeSpan timeout)
    {
        // The worker is a session of its own: a thaw of the probe's group must not set it running flat out; only
        // the probe thaws it, for its 10 ms.
        var body = """
            exec 9<> <(:); end=$(( ${EPOCHREALTIME/./} + $1 * 1000000 ))
            setsid /tmp/harness-mbwork if=/dev/zero of=/dev/null bs=64M </dev/null >/dev/null 2>&1 & w=$!
            echo $w > /tmp/harness-chan-membw.pid; kill -STOP $w
            snap() { read -r c _ < /proc/$w/schedstat || exit 1; while read -r k v; do [ "$k" = rchar: ] && { b=$v; break; }; done < /proc/$w/io; }
            read -t 0.2 -u 9 _; snap; c0=$c; b0=$b
            while :; do
              t0=$EPOCHREALTIME; kill -CONT $w; read -t 0.01 -u 9 _; kill -STOP $w; read -t 0.002 -u 9 _
              snap; t1=$EPOCHREALTIME
              printf '%s %s %d %d\n' "$t0" "$t1" $((b - b0)) $((c - c0)); b0=$b; c0=$c
              (( ${t1/./} > end )) && { kill -KILL $w; exit 0; }
              read -t 0.5 -u 9 _
            done
            """;
        return Launch("membw", "harness-mbprobe", "cp -f /bin/dd /tmp/harness-mbwork || exit 1", body, MembwLog, timeout);
    }

    private static string StartNet(TimeSpan timeout, string neighbour)
    {
        if (!Antagonists.IsOwnNetworkAddress(neighbour)) throw new ArgumentException($"'{neighbour}' is not a loopback or private address; the net probe measures only the testbed's own guests", nameof(neighbour));
        // Microseconds printed as seconds, the unit Parse reads for a latency.
        var body = $$"""
            export LC_ALL=C; exec 9<> <(:); end=$(( ${EPOCHREALTIME/./} + $1 * 1000000 )); a=$2
            while :; do
              t0=$EPOCHREALTIME
              { : <>/dev/tcp/$a/{{Antagonists.NetPort}}; } 2>/tmp/harness-net.err
              t1=$EPOCHREALTIME; l=; read -r l < /tmp/harness-net.err
              if [[ -z $l || $l == *refused* ]]; then d=$(( ${t1/./} - ${t0/./} )); printf '%s %s %d.%06d\n' "$t0" "$t1" $((d / 1000000)) $((d % 1000000)); fi
              (( ${t1/./} > end )) && exit 0
              read -t 0.02 -u 9 _
            done
            """;
        return Launch("net", "harness-netprobe", "true", body, NetLog, timeout, neighbour);
    }

    private static string Launch(string channel, string name, string prepare, string body, string log, TimeSpan timeout, string? argument = null) =>
        $"{prepare}; cp -f /bin/bash /tmp/{name} || exit 1; " +
        $"setsid /tmp/{name} -c '{body.Replace("'", "'\\''", StringComparison.Ordinal)}' {name} {ProcessGroups.Seconds(timeout)}{(argument is null ? "" : " " + argument)} </dev/null >{log} 2>/dev/null & echo $! > /tmp/harness-chan-{channel}-loop.pid";

    /// <summary>Prints a channel's log, then empties it.</summary>
    public static string Collect(string channel) =>
        $"cat /tmp/harness-chan-{channel}.log 2>/dev/null; : > /tmp/harness-chan-{channel}.log 2>/dev/null; true";

    /// <summary>Stops every probe: the loops first, so none can thaw its worker between the kills.</summary>
    public static string Stop =>
        $"for f in {LoopPidGlob} {PidGlob}; do [ -f \"$f\" ] || continue; g=$(cat \"$f\"); rm -f \"$f\"; " +
        "kill -KILL -- \"-$g\" 2>/dev/null; kill -KILL \"$g\" 2>/dev/null; kill -CONT \"$g\" 2>/dev/null; done; rm -f /tmp/harness-io.dat; true";

    /// <summary>Lines of "start end value [cpu]"; a line that does not parse (a cut write, a failed dd) is left out.</summary>
    public static IReadOnlyList<ChannelSample> Parse(string output)
    {
        var result = new List<ChannelSample>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (p.Length is < 3 or > 4) continue;
            var numbers = p.Select(x => double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
            if (numbers.Any(double.IsNaN) || numbers[1] < numbers[0]) continue;
            result.Add(p.Length == 3
                ? new ChannelSample(numbers[0], numbers[1], numbers[2] * 1e6)
                : new ChannelSample(numbers[0], numbers[1], numbers[2], numbers[3]));
        }
        return result;
    }
}
