namespace Harness.Load;

/// <summary>
/// Maps a CPU target (% of the guest's allocation) to stress-ng's integer --cpu-load per worker, and corrects it
/// from what was measured. stress-ng's duty cycle is on wall time and knows nothing of quotas, so the open-loop
/// value is only a first guess (see MEASUREMENT.md: 90% under a 0.4 quota lands 6-8 points off).
/// </summary>
public static class CpuSetting
{
    public static int Workers(double allocatedCpus) => Math.Max(1, (int)Math.Ceiling(allocatedCpus - 1e-9));

    public static int OpenLoop(double targetPercent, double allocatedCpus) =>
        Clamp((int)Math.Round(targetPercent * allocatedCpus / Workers(allocatedCpus)));

    /// <summary>Next setting from the last one and what it achieved. Always moves at least one step toward the target.</summary>
    public static int Correct(int setting, double achievedPercent, double targetPercent)
    {
        if (double.IsNaN(achievedPercent)) return setting;
        int next;
        if (achievedPercent < 0.5) next = setting * 2;
        else next = (int)Math.Round(setting * targetPercent / achievedPercent);
        // Large jumps overshoot when the response is not proportional; move at most half again per round.
        next = Math.Clamp(next, (int)Math.Floor(setting * 0.5), (int)Math.Ceiling(setting * 1.5) + 1);
        if (next == setting) next += targetPercent > achievedPercent ? 1 : -1;
        return Clamp(next);
    }

    private static int Clamp(int value) => Math.Clamp(value, 1, 100);
}
