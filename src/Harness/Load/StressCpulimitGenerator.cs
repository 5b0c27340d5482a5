using System.Globalization;

namespace Harness.Load;

/// <summary>
/// The paper's tools: stress for the work, cpulimit (SIGSTOP/SIGCONT) to cap its CPU share. cpulimit's -l is a
/// whole percent of one CPU for the worker it watches, so this mode cannot set a load finer than that.
/// </summary>
public sealed class StressCpulimitGenerator : ILoadGenerator
{
    private const string CpuPidFile = "/tmp/harness-cpu.pid";
    private const string VmPidFile = "/tmp/harness-vm.pid";

    public string Description => "stress + cpulimit (the paper's tools)";

    public IReadOnlyList<string> ProcessNames { get; } = ["stress", "cpulimit"];

    public string VersionCommand => "echo \"stress $(dpkg-query -W -f='${Version}' stress 2>/dev/null), cpulimit $(dpkg-query -W -f='${Version}' cpulimit 2>/dev/null)\"";

    public double Step => 1;

    public int Workers(double allocatedCpus) => CpuSetting.Workers(allocatedCpus);

    // cpulimit must watch the busy worker, not stress's idle parent, so it attaches to the parent's children.
    public string StartCpu(double allocatedCpus, double setting, TimeSpan timeout) =>
        StopCpu + "\n" + ProcessGroups.Start(CpuPidFile, string.Create(CultureInfo.InvariantCulture,
            $"nice -n 19 stress --cpu {Workers(allocatedCpus)} --timeout {ProcessGroups.Seconds(timeout)} & s=$!; sleep 0.3; for w in $(pgrep -P $s); do cpulimit -p $w -l {Math.Max(1, (int)Math.Round(setting))} -z -q & done; wait"));

    public string StartMemory(long bytes, TimeSpan timeout) =>
        StopMemory + "\n" + ProcessGroups.Start(VmPidFile, string.Create(CultureInfo.InvariantCulture,
            $"exec stress --vm 1 --vm-bytes {Math.Max(4, bytes / 1024)}k --vm-hang 0 --timeout {ProcessGroups.Seconds(timeout)}"));

    public string StopCpu => ProcessGroups.Stop(CpuPidFile);

    public string StopMemory => ProcessGroups.Stop(VmPidFile);

    // cpulimit is frozen with its stress and, thawed, takes over the pacing again.
    public string Pause => ProcessGroups.Signal("STOP", [CpuPidFile, Probe.PidFile, .. GuestProcesses.PausePidFiles]);

    public string Resume => ProcessGroups.Signal("CONT", CpuPidFile, Probe.PidFile) + "\n" + GuestProcesses.Resume;

    public string StopAllAndList => GuestProcesses.Stop + "\n" + ProcessGroups.StopAllAndList(
        [CpuPidFile, VmPidFile, Probe.PidFile, .. GuestProcesses.StopPidFiles], [.. ProcessNames, Probe.ProcessName, .. GuestProcesses.ProcessNames]);
}
