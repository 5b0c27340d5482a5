using MathNet.Numerics.Statistics;

namespace Harness.Analysis;

/// <summary>Summary of one sampled series over a window.</summary>
public sealed record SeriesSummary(int Count, double Mean, double StdDev, double Min, double Max)
{
    public static SeriesSummary Of(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        if (v.Length == 0) return new SeriesSummary(0, double.NaN, double.NaN, double.NaN, double.NaN);
        return new SeriesSummary(v.Length, v.Mean(), v.Length > 1 ? v.StandardDeviation() : 0, v.Min(), v.Max());
    }
}
