using System.Globalization;

namespace Harness.Load;

/// <summary>
/// One run of the probe's fixed work: when it ended (guest clock, seconds), how long it took on the wall clock,
/// and the CPU time it got from its start to the next run's start (its own schedstat: the run plus a few
/// microseconds of bookkeeping). CPU over wall time, pooled per segment, tracks the share of the time it wanted a
/// CPU that it had one — free of how fast the CPU itself ran, which on shared hosts drifts on its own.
/// </summary>
public readonly record struct ProbeSample(double Time, double LatencyMicroseconds, double CpuMicroseconds);

/// <summary>
/// The victim's view: a small fixed amount of CPU work repeated at a fixed gap inside each guest, timed with the
/// guest's clock. A neighbour that steals CPU time makes each unit of work take longer even when the guest's
/// utilisation does not move. Runs as a copy of bash named harness-probe, so the sampler can find it and it
/// needs nothing the image does not already have.
/// </summary>
public static class Probe
{
    public const string LogFile = "/tmp/harness-probe.log";
    public const string ProcessName = "harness-probe";
    internal const string PidFile = "/tmp/harness-probe.pid";

    // About 0.2 ms of work every 250 ms (under 0.1% of a CPU). Its CPU counts in its guest's utilisation, and the
    // harness's whole cost inside a guest must stay under a point of a 0.4-CPU allocation (0.4% of a CPU) so
    // that the paper's 10% targets can be met; at 1 ms every 100 ms the probe alone was 2.5 points. It is a
    // reported figure, not a check, so fewer and shorter runs cost nothing in judging power.
    public const int DefaultIterations = 200;
    public static readonly TimeSpan DefaultGap = TimeSpan.FromMilliseconds(250);

    public static string Start(int iterations, TimeSpan gap, TimeSpan timeout)
    {
        var gapSeconds = gap.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var body = """
            exec 9<> <(:); n=$1; gap=$2; end=$(( ${EPOCHREALTIME/./} + $3 * 1000000 ))
            while :; do
              read -r r0 _ < /proc/$$/schedstat; t0=$EPOCHREALTIME; i=0
              while (( i < n )); do (( i++ )); done
              t1=$EPOCHREALTIME; u1=${t1/./}
              printf '%s %d %d\n' "$t1" $(( u1 - ${t0/./} )) $(( r0 / 1000 ))
              (( u1 > end )) && exit 0
              read -t "$gap" -u 9 _
            done
            """;
        return $"{Stop}; cp -f /bin/bash /tmp/harness-probe || exit 1; setsid /tmp/harness-probe -c '{body.Replace("'", "'\\''", StringComparison.Ordinal)}' harness-probe {iterations} {gapSeconds} {(long)Math.Ceiling(timeout.TotalSeconds)} </dev/null >{LogFile} 2>/dev/null & echo $! > {PidFile}";
    }

    public static string Stop => $"[ -f {PidFile} ] && kill -KILL -- \"-$(cat {PidFile})\" 2>/dev/null; rm -f {PidFile}; true";

    /// <summary>Prints the probe's log, then empties it.</summary>
    public static string Collect => $"cat {LogFile} 2>/dev/null; : > {LogFile} 2>/dev/null; true";

    /// <summary>
    /// Each line carries the run's end time, its wall time and the probe's cumulative CPU time when it started.
    /// The kernel brings that counter up to date only when the task is switched out or at a tick, so read at the
    /// end of a millisecond's run it lags by up to a tick; read after a sleep (the start of the next run) it is exact. A
    /// run's CPU time is therefore the difference of consecutive starts, and the last line has none.
    /// </summary>
    public static IReadOnlyList<ProbeSample> Parse(string output)
    {
        var lines = new List<(double T, double Us, double CumulativeCpu)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length == 3
                && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var t)
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var us)
                && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var cpu)
                && us > 0)
            {
                lines.Add((t, us, cpu));
            }
        }
        var result = new List<ProbeSample>(lines.Count);
        for (var i = 0; i + 1 < lines.Count; i++)
        {
            var cpu = lines[i + 1].CumulativeCpu - lines[i].CumulativeCpu;
            result.Add(new ProbeSample(lines[i].T, lines[i].Us, cpu));
        }
        return result;
    }
}
