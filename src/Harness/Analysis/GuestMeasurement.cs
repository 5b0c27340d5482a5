using System.Text.Json.Serialization;

namespace Harness.Analysis;

/// <summary>How the closed loop brought a guest's load to target before the window opened.</summary>
public sealed record CalibrationOutcome(
    int Rounds, bool Converged, double CpuLoadSetting, long MemoryBytes, double CpuErrorBefore, double CpuErrorAfter, double RamErrorAfter);

/// <summary>
/// Co-run against solo, from paired repetitions: the victim's view that utilisation alone hides.
/// Stretch is (run + wait) / run of the load's runnable work, pooled over each side's segments; Slowdown is
/// stretch co-run / stretch solo − 1, in percent (studentized jackknife over pairs): how much longer the guest's work took
/// among its neighbours, whatever its own load. Wait is run-queue wait (containers: /proc/PID/schedstat of the load) or steal (VMs), as a percentage
/// of wall time. ThroughputLoss is the loss of the guest's own work per wall-second at the same load setting,
/// 1 − the typical paired ratio co-run CPU / solo CPU (Hodges–Lehmann on log-ratios), in percent: what a neighbour took from it. ProbeLoss is the same
/// ratio for the fixed-work probe's share of wall time on a CPU (the victim's latency view).
/// </summary>
public sealed record InterferenceMetrics(
    int Pairs,
    string WaitSource,
    Estimate CoRunCpu,
    Estimate SoloCpu,
    Estimate CoRunRam,
    double CoRunStretch,
    double SoloStretch,
    Estimate Slowdown,
    Estimate CoRunWait,
    Estimate SoloWait,
    Estimate WaitIncrease,
    Estimate ThroughputLoss,
    double CoRunProbeShare,
    double SoloProbeShare,
    Estimate ProbeLoss,
    double CoRunP99Microseconds,
    double SoloP99Microseconds,
    Estimate P99Ratio,
    double SoloWorkCov)
{
    /// <summary>Results before schema 3 named throughput loss "degradation": read it, never write it.</summary>
    [JsonInclude, JsonPropertyName("degradation"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private Estimate? LegacyDegradation
    {
        get => null;
        init => ThroughputLoss = value ?? ThroughputLoss;
    }
}

/// <summary>What one guest did during one scenario's measurement; <see cref="Allocation"/> is what it was given (null in results before schema 5).</summary>
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
    IReadOnlyList<UsagePoint> Series,
    InterferenceMetrics? Interference = null,
    IReadOnlyList<SegmentRecord>? Segments = null,
    HostAgreement? Host = null,
    Testbeds.GuestAllocation? Allocation = null)
{
    public double CpuError => CpuPercent - TargetCpuPercent;

    public double RamError => RamPercent - TargetRamPercent;
}

/// <summary>
/// One measured segment of one guest, as judged: kept in the results so that the verdict, reports, charts and
/// later comparisons work from the same values. Host is what the host saw of the guest over the same segment (null
/// without a host view).
/// </summary>
public sealed record SegmentRecord(int Repetition, SegmentKind Kind, double StartTime, double EndTime, SegmentValues Values, HostSegmentValues? Host = null);
