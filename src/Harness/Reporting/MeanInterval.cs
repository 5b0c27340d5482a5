using Harness.Analysis;
using MathNet.Numerics.Distributions;

namespace Harness.Reporting;

/// <summary>A confidence interval of a series' mean (Student's t, since windows hold few samples).</summary>
public sealed record MeanInterval(double Mean, double Low, double High, double Level)
{
    public double HalfWidth => (High - Low) / 2;

    /// <summary>Null when the series has fewer than two values or no spread to speak of.</summary>
    public static MeanInterval? Of(SeriesSummary series, double level = 0.95)
    {
        if (series.Count < 2 || double.IsNaN(series.Mean) || double.IsNaN(series.StdDev)) return null;
        var t = StudentT.InvCDF(0, 1, series.Count - 1, (1 + level) / 2);
        var half = t * series.StdDev / Math.Sqrt(series.Count);
        return new MeanInterval(series.Mean, series.Mean - half, series.Mean + half, level);
    }

    public bool Overlaps(MeanInterval other) => Low <= other.High && other.Low <= High;
}
