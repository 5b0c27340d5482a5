using System.Globalization;

namespace Harness.Load;

/// <summary>
/// stress-ng's CPU stressor (fixed method int64, nice 19) run flat out and switched on and off by a pacer — a copy
/// of bash named harness-pacer that sends SIGCONT and SIGSTOP to stress-ng's group. stress-ng's own --cpu-load
/// takes whole percent of a CPU, which on a 0.4-CPU guest is a 2.5-point step and, with the harness's own cost on
/// top, put the paper's 10% targets out of reach; the pacer takes any value to a tenth of a percent.
/// Its cycle is stress-ng 0.15's own: an on-phase of a fixed amount of CPU time (it stays on until the workers
/// have had it, read from their schedstat), then a fixed sleep. A guest held up by its neighbours therefore keeps
/// its work per cycle but needs longer for each cycle: its runnable work is slowed (the slowdown metric), and,
/// when the cycle stretches, it gets less done per wall-second (throughput loss).
/// </summary>
public sealed class PacedStressNgGenerator : ILoadGenerator
{
    // A fixed method: the default ("all") cycles through methods of different cost and gives an unsteady load.
    public const string CpuMethod = "int64";
    private const int PeriodMicroseconds = 100_000;
    private const string PacerPidFile = "/tmp/harness-cpu.pid";
    private const string WorkerPidFile = "/tmp/harness-cpu-worker.pid";
    private const string VmPidFile = "/tmp/harness-vm.pid";

    public string Description => $"stress-ng --cpu-method {CpuMethod}, paced (on-phase of CPU time per {PeriodMicroseconds / 1000} ms cycle)";

    public IReadOnlyList<string> ProcessNames { get; } = ["stress", "harness-pacer"];

    public string VersionCommand => "stress-ng --version 2>&1 | head -n1";

    public double Step => 0.1;

    public int Workers(double allocatedCpus) => CpuSetting.Workers(allocatedCpus);

    public string StartCpu(double allocatedCpus, double setting, TimeSpan timeout)
    {
        var on = (long)Math.Round(Math.Clamp(setting, Step, 100) / 100 * PeriodMicroseconds);
        var off = PeriodMicroseconds - on;
        // stress-ng is started here, in a session of its own, and both pid files are written before the command
        // returns: a stop that follows at once (two restarts in a row) then always finds the workers, instead of
        // killing a pacer that had not yet said which workers it started. The pacer waits for stress-ng's group
        // to exist and ends when stress-ng does (its --timeout). The workers' CPU time is read while they are
        // stopped: a running task's schedstat lags by up to a tick, a stopped one's is exact, so an on-phase ends
        // when the workers have had their CPU time to within 0.3 ms (or after ten top-ups). A thaw of the pacer
        // alone (Resume) restarts the workers at its next top-up or cycle.
        var body = """
            exec 9<> <(:); w=$5; i=0
            until kill -0 -- -$w 2>/dev/null || [ $i -ge 200 ]; do i=$((i + 1)); read -t 0.01 -u 9 _; done
            ws=; i=0
            while [ -z "$ws" ] && [ $i -lt 200 ]; do ws=$(pgrep -P $w); i=$((i + 1)); [ -n "$ws" ] || read -t 0.01 -u 9 _; done
            need=$(( $1 * 1000 * $4 )); printf -v onw '0.%06d' $1
            used() { c=0; for p in $ws; do t=; read -r t _ 2>/dev/null < /proc/$p/schedstat || return 1; c=$((c + t)); done; }
            kill -STOP -- -$w 2>/dev/null; used; c0=$c
            while kill -CONT -- -$w 2>/dev/null; do
              [ "$2" = 0 ] && { read -t 0.1 -u 9 _; continue; }
              read -t $onw -u 9 _; n=0
              while :; do
                kill -STOP -- -$w 2>/dev/null; read -t 0.0002 -u 9 _
                used || break
                r=$(( (need - c + c0) / 1000 ))
                (( r < 300 || n >= 10 )) && break
                kill -CONT -- -$w 2>/dev/null; printf -v rs '0.%06d' $r; read -t $rs -u 9 _; n=$((n + 1))
              done
              c0=$c
              read -t $3 -u 9 _
            done
            """;
        var workers = Workers(allocatedCpus);
        var seconds = ProcessGroups.Seconds(timeout);
        // Stops whatever a lost earlier attempt of this very command started: a command sent again after a dropped
        // SSH connection must not leave two loads.
        return string.Create(CultureInfo.InvariantCulture, $"""
            {StopCpu}
            cp -f /bin/bash /tmp/harness-pacer || exit 1
            setsid nice -n 19 stress-ng --cpu {workers} --cpu-load 100 --cpu-method {CpuMethod} --timeout {seconds}s </dev/null >/dev/null 2>&1 & echo $! > {WorkerPidFile}
            setsid /tmp/harness-pacer -c '{body.Replace("'", "'\\''", StringComparison.Ordinal)}' harness-pacer {on} {off} {Seconds(off)} {workers} $(cat {WorkerPidFile}) </dev/null >/dev/null 2>&1 & echo $! > {PacerPidFile}
            """);
    }

    public string StartMemory(long bytes, TimeSpan timeout) =>
        StopMemory + "\n" + ProcessGroups.Start(VmPidFile, string.Create(CultureInfo.InvariantCulture,
            $"exec stress-ng --vm 1 --vm-bytes {Math.Max(4, bytes / 1024)}k --vm-keep --vm-hang 0 --timeout {ProcessGroups.Seconds(timeout)}s"));

    // The pacer first, so that it cannot thaw stress-ng between the two kills.
    public string StopCpu => ProcessGroups.Stop(PacerPidFile, WorkerPidFile);

    public string StopMemory => ProcessGroups.Stop(VmPidFile);

    // Resuming thaws the pacer, not stress-ng: the pacer switches it back on at its next on-phase, so a thaw
    // never lets it run for a whole off-phase.
    public string Pause => ProcessGroups.Signal("STOP", [PacerPidFile, WorkerPidFile, Probe.PidFile, .. GuestProcesses.PausePidFiles]);

    public string Resume => ProcessGroups.Signal("CONT", PacerPidFile, Probe.PidFile) + "\n" + GuestProcesses.Resume;

    public string StopAllAndList => GuestProcesses.Stop + "\n" + ProcessGroups.StopAllAndList(
        [PacerPidFile, WorkerPidFile, VmPidFile, Probe.PidFile, .. GuestProcesses.StopPidFiles], [.. ProcessNames, Probe.ProcessName, .. GuestProcesses.ProcessNames]);

    private static string Seconds(long microseconds) =>
        microseconds == 0 ? "0" : (microseconds / 1e6).ToString("0.000000", CultureInfo.InvariantCulture);
}
