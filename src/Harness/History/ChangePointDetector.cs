using MathNet.Numerics.Distributions;

namespace Harness.History;

/// <summary>How sure and how large a change must be before it is reported.</summary>
/// <param name="MaxPValue">Largest p-value of a change, after correcting for the split having been chosen as the best of many.</param>
/// <param name="MinimumSegment">Fewest runs on either side of a change: one odd run is not a new level.</param>
/// <param name="MinimumShift">Smallest change of the mean, in the metric's own units (points), worth reporting.</param>
public sealed record ChangePointOptions(double MaxPValue = 0.001, int MinimumSegment = 3, double MinimumShift = 1);

/// <summary>A change of level: <see cref="Index"/> is the position of the first value of the new level.</summary>
public sealed record ChangePoint(int Index, double MeanBefore, double MeanAfter, double PValue)
{
    public double Shift => MeanAfter - MeanBefore;
}

/// <summary>
/// Change points in a series by E-divisive means (Matteson and James): the split that maximises the energy
/// distance between the two sides is the candidate, found again recursively within each side. Whether a candidate
/// is a change is decided as Hunter / Apache Otava do, by Student's t-test of the two sides rather than a permutation
/// test: the answer is the same on every machine and run, with no seed, and a p-value of 0.001 needs no thousand
/// permutations per series. Because the candidate is the best of all splits, its p-value is multiplied by the
/// number of splits tried (Bonferroni), so that noise alone rarely passes.
/// </summary>
public static class ChangePointDetector
{
    public static IReadOnlyList<ChangePoint> Detect(IReadOnlyList<double> values, ChangePointOptions? options = null)
    {
        options ??= new ChangePointOptions();
        var x = values.ToArray();
        var distances = new PairDistances(x);
        var found = new List<ChangePoint>();
        Split(x, distances, 0, x.Length, options, found);
        return found.OrderBy(c => c.Index).ToArray();
    }

    private static void Split(double[] x, PairDistances d, int start, int end, ChangePointOptions options, List<ChangePoint> found)
    {
        var m = Math.Max(2, options.MinimumSegment);
        var candidates = end - start - 2 * m + 1;
        if (candidates < 1) return;
        var best = -1;
        var bestQ = double.NegativeInfinity;
        for (var tau = start + m; tau <= end - m; tau++)
        {
            var q = d.EnergyStatistic(start, tau, end);
            if (q > bestQ)
            {
                (best, bestQ) = (tau, q);
            }
        }
        var before = x[start..best];
        var after = x[best..end];
        var p = Math.Min(1, StudentPValue(before, after) * candidates);
        var change = new ChangePoint(best, before.Average(), after.Average(), p);
        if (p > options.MaxPValue || Math.Abs(change.Shift) < options.MinimumShift) return;
        found.Add(change);
        Split(x, d, start, best, options, found);
        Split(x, d, best, end, options, found);
    }

    /// <summary>
    /// Two-sided p-value of Student's t-test (pooled variance) that the two samples share a mean. Pooled rather than
    /// Welch's: under "no change" both sides have one variance, and Welch's estimate from the three runs of a short
    /// side, chosen because they lie close together, made pure noise pass as a change.
    /// </summary>
    public static double StudentPValue(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var (ma, va) = MeanVariance(a);
        var (mb, vb) = MeanVariance(b);
        var df = a.Count + b.Count - 2;
        var pooled = ((a.Count - 1) * va + (b.Count - 1) * vb) / df;
        var se2 = pooled * (1.0 / a.Count + 1.0 / b.Count);
        // Both sides constant: any difference at all is certain, none is no evidence.
        if (se2 <= 0) return Math.Abs(ma - mb) > 0 ? 0 : 1;
        var t = Math.Abs(ma - mb) / Math.Sqrt(se2);
        return 2 * (1 - StudentT.CDF(0, 1, df, t));
    }

    private static double Square(double v) => v * v;

    private static (double Mean, double Variance) MeanVariance(IReadOnlyList<double> s)
    {
        var mean = s.Average();
        return (mean, s.Sum(v => Square(v - mean)) / (s.Count - 1));
    }

    /// <summary>Sums of |x_i − x_j| over any block of pairs in O(1), from a two-dimensional prefix sum.</summary>
    private sealed class PairDistances
    {
        private readonly double[,] _prefix;

        public PairDistances(double[] x)
        {
            var n = x.Length;
            _prefix = new double[n + 1, n + 1];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    _prefix[i + 1, j + 1] = Math.Abs(x[i] - x[j]) + _prefix[i, j + 1] + _prefix[i + 1, j] - _prefix[i, j];
                }
            }
        }

        private double Block(int rowStart, int rowEnd, int colStart, int colEnd) =>
            _prefix[rowEnd, colEnd] - _prefix[rowStart, colEnd] - _prefix[rowEnd, colStart] + _prefix[rowStart, colStart];

        /// <summary>The E-divisive statistic (exponent 1) of splitting [start, end) at tau.</summary>
        public double EnergyStatistic(int start, int tau, int end)
        {
            double left = tau - start, right = end - tau;
            var between = Block(start, tau, tau, end) / (left * right);
            var withinLeft = Block(start, tau, start, tau) / (left * (left - 1));
            var withinRight = Block(tau, end, tau, end) / (right * (right - 1));
            return left * right / (left + right) * (2 * between - withinLeft - withinRight);
        }
    }
}
