namespace Harness.Load;

/// <summary>
/// What every load generator freezes, thaws and stops beside its own load: the antagonists and their pacers, and
/// the channel probes (globs, since a row may have none or several). Kept in one place so that a solo segment
/// freezes a neighbour's antagonist with its CPU load, and no stop leaves one running.
/// </summary>
internal static class GuestProcesses
{
    /// <summary>Frozen in a neighbour's solo segment: an antagonist, its pacer, a probe's loop and its worker.</summary>
    public static readonly string[] PausePidFiles = [Antagonists.PacerPidGlob, Antagonists.PidGlob, ChannelProbes.PidGlob];

    /// <summary>
    /// Thawed after it: an antagonist's pacer where it has one (the pacer thaws its group at its next on-phase) and
    /// otherwise its group, and a probe's loop (which thaws its worker only for its own bursts).
    /// </summary>
    // POSIX parameter expansion only: the guest's login shell may be dash.
    public static string Resume =>
        $"for f in {Antagonists.PidGlob}; do [ -f \"$f\" ] || continue; p=/tmp/harness-antpace-${{f#/tmp/harness-ant-}}; " +
        "[ -f \"$p\" ] && f=$p; kill -CONT -- \"-$(cat \"$f\")\" 2>/dev/null; done; " +
        ProcessGroups.Signal("CONT", ChannelProbes.LoopPidGlob);

    /// <summary>Kills antagonists and probes outright and removes their files (a killed stress-ng --hdd leaves its own).</summary>
    public static string Stop => Antagonists.Stop + "\n" + ChannelProbes.Stop;

    public static readonly string[] StopPidFiles = [Antagonists.PacerPidGlob, Antagonists.PidGlob, ChannelProbes.LoopPidGlob, ChannelProbes.PidGlob];

    public static readonly string[] ProcessNames = [Antagonists.PacerName, Antagonists.NetName, .. ChannelProbes.ProcessNames];
}
