namespace Harness.Load;

/// <summary>
/// Maps a CPU target (% of the guest's allocation) to a generator setting (% of one CPU per worker), and
/// corrects it from what was measured. Open-loop values are only a first guess: a duty cycle knows nothing of
/// quotas, and the harness's own small cost comes on top.
/// </summary>
public static class CpuSetting
{
    public static int Workers(double allocatedCpus) => Math.Max(1, (int)Math.Ceiling(allocatedCpus - 1e-9));

    public static double OpenLoop(double targetPercent, double allocatedCpus, double step) =>
        Clamp(targetPercent * allocatedCpus / Workers(allocatedCpus), step);

    /// <summary>Next setting from the last one and what it achieved. Always moves at least one step toward the target.</summary>
    public static double Correct(double setting, double achievedPercent, double targetPercent, double step)
    {
        if (double.IsNaN(achievedPercent)) return setting;
        var next = achievedPercent < 0.5 ? setting * 2 : setting * targetPercent / achievedPercent;
        // Large jumps overshoot when the response is not proportional; move at most half again per round.
        next = Math.Clamp(next, setting * 0.5, setting * 1.5 + step);
        next = Round(next, step);
        if (next == setting) next += targetPercent > achievedPercent ? step : -step;
        return Clamp(next, step);
    }

    private static double Round(double value, double step) => Math.Round(Math.Round(value / step) * step, 3);

    private static double Clamp(double value, double step) => Math.Clamp(Round(value, step), step, 100);
}
