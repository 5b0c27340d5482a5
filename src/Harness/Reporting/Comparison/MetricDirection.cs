namespace Harness.Reporting.Comparison;

/// <summary>Which way a metric gets worse.</summary>
public enum MetricDirection
{
    /// <summary>Load fidelity (CPU %, RAM %): worse means farther from the target, |measured − target| grows.</summary>
    TowardTarget,

    /// <summary>Costs (wait %, degradation %, steal %, latency): worse means larger.</summary>
    LowerIsBetter,
}

public static class MetricDirections
{
    // Named by what they measure, so metrics added later to the results fall into the right class without a code change here.
    private static readonly string[] CostWords = ["wait", "degradation", "steal", "latency", "overhead", "loss"];

    public static MetricDirection Of(string metric) =>
        CostWords.Any(w => metric.Contains(w, StringComparison.OrdinalIgnoreCase)) ? MetricDirection.LowerIsBetter : MetricDirection.TowardTarget;

    /// <summary>How bad a measured value is: the larger, the worse.</summary>
    public static double Badness(MetricDirection direction, double target, double measured) =>
        direction == MetricDirection.TowardTarget ? Math.Abs(measured - target) : measured;
}
