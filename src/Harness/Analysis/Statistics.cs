using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace Harness.Analysis;

/// <summary>
/// A point estimate with its 95% confidence interval (Low, High: what a fail is decided on) and its 90% interval
/// (Low90, High90: each bound a one-sided 95% bound, what a pass is decided on, as in an equivalence test).
/// </summary>
public sealed record Estimate(double Value, double Low, double High, double Low90 = double.NaN, double High90 = double.NaN)
{
    public static Estimate Unknown { get; } = new(double.NaN, double.NaN, double.NaN);

    public bool IsKnown => !double.IsNaN(Value);
}

/// <summary>The few statistics the verdict needs, on top of MathNet.Numerics.</summary>
public static class Stats
{
    /// <summary>Mean with Student-t 95% and 90% intervals.</summary>
    public static Estimate Mean(IReadOnlyList<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        if (v.Length == 0) return Estimate.Unknown;
        var mean = v.Mean();
        if (v.Length == 1) return new Estimate(mean, double.NegativeInfinity, double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity);
        var error = v.StandardDeviation() / Math.Sqrt(v.Length);
        var half = StudentT.InvCDF(0, 1, v.Length - 1, 0.975) * error;
        var half90 = StudentT.InvCDF(0, 1, v.Length - 1, 0.95) * error;
        return new Estimate(mean, mean - half, mean + half, mean - half90, mean + half90);
    }

    /// <summary>
    /// Percentile bootstrap over paired repetitions: resamples whole pairs, so that each co-run value stays with
    /// the solo value measured next to it. Seeded, so the same data always gives the same interval.
    /// </summary>
    public static Estimate PairedBootstrap(
        IReadOnlyList<double> coRun, IReadOnlyList<double> solo, Func<double[], double[], double> statistic, int seed, int resamples = 2000)
    {
        var pairs = coRun.Zip(solo).Where(p => !double.IsNaN(p.First) && !double.IsNaN(p.Second)).ToArray();
        return PairedBootstrap(pairs, p => statistic(p.Select(x => x.First).ToArray(), p.Select(x => x.Second).ToArray()), seed, resamples);
    }

    /// <summary>The same over pairs of any kind, for statistics that need more than one number per segment.</summary>
    public static Estimate PairedBootstrap<T>(IReadOnlyList<T> pairs, Func<IReadOnlyList<T>, double> statistic, int seed, int resamples = 2000)
    {
        if (pairs.Count < 2) return Estimate.Unknown;
        var point = statistic(pairs);
        var random = new Random(seed);
        var results = new double[resamples];
        var sample = new T[pairs.Count];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < sample.Length; i++) sample[i] = pairs[random.Next(pairs.Count)];
            results[r] = statistic(sample);
        }
        var finite = results.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return new Estimate(point, double.NaN, double.NaN);
        return new Estimate(point, finite.Quantile(0.025), finite.Quantile(0.975), finite.Quantile(0.05), finite.Quantile(0.95));
    }

    /// <summary>1 − median(co-run) / median(solo), in percent: the share of the solo amount lost co-run (throughput loss, probe loss).</summary>
    public static double MedianLoss(double[] coRun, double[] solo) => (1 - coRun.Median() / solo.Median()) * 100;

    /// <summary>Median of the paired differences co-run − solo.</summary>
    public static double MedianDifference(double[] coRun, double[] solo) => coRun.Zip(solo, (c, s) => c - s).Median();

    /// <summary>Median of the paired ratios co-run / solo.</summary>
    public static double MedianRatio(double[] coRun, double[] solo) => coRun.Zip(solo, (c, s) => c / s).Median();

    /// <summary>Coefficient of variation in percent.</summary>
    public static double CoefficientOfVariation(IReadOnlyList<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        return v.Length < 2 ? double.NaN : v.StandardDeviation() / Math.Abs(v.Mean()) * 100;
    }

    public static double Percentile(IEnumerable<double> values, double p)
    {
        var v = values.ToArray();
        return v.Length == 0 ? double.NaN : v.Quantile(p);
    }
}
