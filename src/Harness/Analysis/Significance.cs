using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace Harness.Analysis;

/// <summary>Whether a difference between two sets of repetitions is more than noise, over many metrics at once.</summary>
public static class Significance
{
    /// <summary>
    /// One-sided Welch t-test that <paramref name="run"/>'s mean exceeds <paramref name="baseline"/>'s: the p-value,
    /// or NaN with fewer than two values on a side. Welch rather than an exact permutation test because with 6 + 6
    /// repetitions a permutation p-value cannot go below 1/924, and a comparison of hundreds of metrics corrected
    /// for multiplicity could then never find anything.
    /// </summary>
    public static double WelchGreater(IReadOnlyList<double> run, IReadOnlyList<double> baseline)
    {
        var r = run.Where(double.IsFinite).ToArray();
        var b = baseline.Where(double.IsFinite).ToArray();
        if (r.Length < 2 || b.Length < 2) return double.NaN;
        double vr = r.Variance() / r.Length, vb = b.Variance() / b.Length;
        var difference = r.Mean() - b.Mean();
        if (vr + vb <= 0) return difference > 0 ? 0 : 1;
        var t = difference / Math.Sqrt(vr + vb);
        var df = (vr + vb) * (vr + vb) / (vr * vr / (r.Length - 1) + vb * vb / (b.Length - 1));
        return 1 - StudentT.CDF(0, 1, df, t);
    }

    /// <summary>
    /// Holm's step-down adjustment: each p-value scaled so that rejecting every adjusted p ≤ α keeps the chance of
    /// any false alarm among them at or below α. NaN stays NaN and does not count towards the family.
    /// </summary>
    public static double[] Holm(IReadOnlyList<double> p)
    {
        var adjusted = Enumerable.Repeat(double.NaN, p.Count).ToArray();
        var order = Enumerable.Range(0, p.Count).Where(i => !double.IsNaN(p[i])).OrderBy(i => p[i]).ToArray();
        var running = 0.0;
        for (var k = 0; k < order.Length; k++)
        {
            running = Math.Max(running, Math.Min(1, (order.Length - k) * p[order[k]]));
            adjusted[order[k]] = running;
        }
        return adjusted;
    }
}
