namespace Harness.Analysis;

/// <summary>How the closed loop brought a guest's load to target before the window opened.</summary>
public sealed record CalibrationOutcome(
    int Rounds, bool Converged, int CpuLoadSetting, long MemoryBytes, double CpuErrorBefore, double CpuErrorAfter, double RamErrorAfter);

/// <summary>What one guest did during one scenario's measurement window.</summary>
public sealed record GuestMeasurement(
    string Guest,
    string Identity,
    double TargetCpuPercent,
    double TargetRamPercent,
    double CpuPercent,
    double RamPercent,
    SeriesSummary CpuSeries,
    SeriesSummary RamSeries,
    SeriesSummary StealSeries,
    double WindowSeconds,
    CalibrationOutcome Calibration,
    IReadOnlyList<UsagePoint> Series)
{
    public double CpuError => CpuPercent - TargetCpuPercent;

    public double RamError => RamPercent - TargetRamPercent;
}
