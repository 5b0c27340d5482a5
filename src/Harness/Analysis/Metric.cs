using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harness.Analysis;

/// <summary>Which way a metric gets worse.</summary>
public enum MetricDirection
{
    /// <summary>Load fidelity (CPU %, RAM %): worse means farther from the target.</summary>
    TowardTarget,

    /// <summary>Costs a neighbour imposes (slowdown, wait, throughput loss): worse means larger.</summary>
    LowerIsBetter,
}

/// <summary>
/// What a check measures: a stable id (for results, comparisons and controls), the label people read, its unit
/// and which way is worse. Code matches metrics by descriptor, never by label.
/// </summary>
[JsonConverter(typeof(MetricJsonConverter))]
public sealed record Metric(string Id, string Label, string Unit, MetricDirection Direction)
{
    public static readonly Metric Cpu = new("cpu", "CPU %", "% of allocation", MetricDirection.TowardTarget);
    public static readonly Metric Ram = new("ram", "RAM %", "% of memory", MetricDirection.TowardTarget);

    /// <summary>How much longer the guest's runnable work took than alone: (run + wait) / run, co-run over solo, − 1.</summary>
    public static readonly Metric Slowdown = new("slowdown", "slowdown %", "% of solo time", MetricDirection.LowerIsBetter);

    /// <summary>Run-queue wait (steal in a VM) as a share of wall time, co-run − solo.</summary>
    public static readonly Metric WaitIncrease = new("wait-increase", "wait +pts", "points of wall time", MetricDirection.LowerIsBetter);

    /// <summary>Work per wall-second lost at the same load setting: 1 − the typical paired ratio co-run CPU / solo CPU.</summary>
    public static readonly Metric ThroughputLoss = new("throughput-loss", "throughput loss %", "% of solo work", MetricDirection.LowerIsBetter);

    /// <summary>A guest's part of the CPU time all guests got, under contention; its target is its weight's part.</summary>
    public static readonly Metric CpuShare = new("cpu-share", "CPU share %", "% of the guests' CPU time", MetricDirection.TowardTarget);

    /// <summary>In-guest CPU % minus the host's view of the same segments: whether the guest sees the CPU it loses.</summary>
    public static readonly Metric HostAgreement = new("host-agreement", "CPU vs host", "points of allocation, in-guest − host", MetricDirection.TowardTarget);

    /// <summary>A victim's median latency of a small synchronous write, co-run over solo, − 1 (median of paired ratios).</summary>
    public static readonly Metric IoLatencyP50 = new("io-p50-increase", "I/O p50 +%", "% of solo latency", MetricDirection.LowerIsBetter);

    /// <summary>The same for each segment's 99th percentile write latency.</summary>
    public static readonly Metric IoLatencyP99 = new("io-p99-increase", "I/O p99 +%", "% of solo latency", MetricDirection.LowerIsBetter);

    /// <summary>A victim's memory bandwidth per CPU-second lost among its neighbours: 1 − median(co-run) / median(solo).</summary>
    public static readonly Metric MemoryBandwidthLoss = new("membw-loss", "membw loss %", "% of solo bytes per CPU-second", MetricDirection.LowerIsBetter);

    /// <summary>A victim's median TCP round trip to a neighbour guest, co-run over solo, − 1 (pooled over the side's probes).</summary>
    public static readonly Metric NetRttP50 = new("net-p50-increase", "net RTT p50 +%", "% of solo round trip", MetricDirection.LowerIsBetter);

    /// <summary>The same for the round trip's 99th percentile.</summary>
    public static readonly Metric NetRttP99 = new("net-p99-increase", "net RTT p99 +%", "% of solo round trip", MetricDirection.LowerIsBetter);

    public static IReadOnlyList<Metric> All { get; } =
        [Cpu, Ram, Slowdown, WaitIncrease, ThroughputLoss, CpuShare, HostAgreement, IoLatencyP50, IoLatencyP99, MemoryBandwidthLoss, NetRttP50, NetRttP99];

    /// <summary>The descriptor for an id, or for a label written by an older results file.</summary>
    public static Metric Parse(string text) =>
        All.FirstOrDefault(m => m.Id == text || m.Label == text)
        ?? new Metric(text, text, "", MetricDirection.LowerIsBetter);

    /// <summary>How bad a measured value is: the larger, the worse. A cost below zero (faster than alone) is no cost.</summary>
    public double Badness(double target, double measured) =>
        Direction == MetricDirection.TowardTarget ? Math.Abs(measured - target) : Math.Max(0, measured);

    public override string ToString() => Label;
}

/// <summary>Results carry the metric's id; older files carried the label, which is read too.</summary>
public sealed class MetricJsonConverter : JsonConverter<Metric>
{
    public override Metric Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Metric.Parse(reader.GetString() ?? "");

    public override void Write(Utf8JsonWriter writer, Metric value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Id);
}
