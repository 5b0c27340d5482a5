using System.Globalization;
using System.Text;
using Harness.Analysis;
using Harness.Running;
using Harness.Scenarios;

namespace Harness.Tests.Analysis;

/// <summary>
/// Synthetic paired segments for judging the verdict's own interval functions at the sample sizes the protocol
/// uses. Co-run and solo segments are drawn from one distribution (no interference), so every statistic's true
/// value is known: CPU and RAM on target, slowdown, wait increase and throughput loss zero. Spreads are those of
/// the null suite 20261126-022151-0ceb37 (per-segment CPU ±0.6 points at 10%, ±2.5 at 90%; a light guest's
/// per-pair slowdown ±25–50%).
/// </summary>
internal static class NullSimulation
{
    /// <summary>The default limits (README settings table).</summary>
    public static readonly IsolationThresholds Defaults = new(CpuTolerance: 5, RamTolerance: 5, Slowdown: 90, WaitIncrease: 20, ThroughputLoss: 15, SoloMaxCov: 40);

    /// <summary>Every number of pairs a check can be judged on: 6 to 16 while undecided, twice that after confirm-on-fail.</summary>
    public static readonly int[] Sizes = [6, 8, 10, 12, 14, 16, 20, 24, 28, 32];

    public enum Noise
    {
        Normal,

        /// <summary>exp(Z / 2) standardised (skewness 1.75): a long right tail, like wait and a light load's run time.</summary>
        Lognormal,

        /// <summary>90% N(0, 1) and 10% N(0, 3²), standardised: a host that now and then hiccups.</summary>
        Contaminated,
    }

    /// <summary>
    /// A guest's load, how much its segments vary (coefficient of variation of CPU, spread of log wait/run) and what its
    /// neighbours do to it co-run (1, 1: nothing). Calibration holds the co-run CPU on target, so lost work shows
    /// as a solo segment that gets more done at the same setting.
    /// </summary>
    public sealed record Profile(string Name, double CpuPercent, double CpuCov, double WaitOverRun, double WaitSpread, double CoRunCpuFactor = 1, double CoRunWaitFactor = 1);

    public static readonly Profile Light = new("light 10%", 10, 0.06, 0.25, 0.8);
    public static readonly Profile Heavy = new("heavy 90%", 90, 0.03, 0.06, 0.6);

    public static double Draw(Random r, Noise noise)
    {
        var z = Gaussian(r);
        return noise switch
        {
            Noise.Normal => z,
            Noise.Lognormal => (Math.Exp(0.5 * z) - Math.Exp(0.125)) / Math.Sqrt((Math.Exp(0.25) - 1) * Math.Exp(0.25)),
            _ => (r.NextDouble() < 0.1 ? 3 * Gaussian(r) : z) / Math.Sqrt(0.9 + 0.1 * 9),
        };
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    /// <summary>
    /// One segment. The lognormal family skews wait only: measured CPU per segment is symmetric
    /// (skewness −0.09 over the 768 segments of the null suite above; wait +0.35).
    /// </summary>
    public static SegmentValues Segment(Random r, Profile p, Noise noise, bool coRun = false)
    {
        var cpu = p.CpuPercent * (1 + p.CpuCov * Draw(r, noise == Noise.Lognormal ? Noise.Normal : noise)) / (coRun ? 1 : p.CoRunCpuFactor);
        var run = cpu / 100 * 0.4 * 1.5;
        var wait = run * p.WaitOverRun * (coRun ? p.CoRunWaitFactor : 1) * Math.Exp(p.WaitSpread * Draw(r, noise));
        return new SegmentValues(cpu, 80 + 0.3 * Draw(r, Noise.Normal), run, wait, 1.5, double.NaN, double.NaN);
    }

    public static (SegmentValues CoRun, SegmentValues Solo)[] Pairs(Random r, Profile p, Noise noise, int n) =>
        Enumerable.Range(0, n).Select(_ => (Segment(r, p, noise, coRun: true), Segment(r, p, noise))).ToArray();

    public static IReadOnlyList<Check> Judge(Profile p, IReadOnlyList<(SegmentValues, SegmentValues)> pairs, string guest = "S1") =>
        InterferenceJudge.Judge(new GuestLoad(guest, p.CpuPercent, 80), pairs, Defaults, "run-queue wait").Checks;

    /// <summary>The checks whose intervals are measured, and each one's true value under no interference.</summary>
    public static readonly (Metric Metric, Func<Profile, double> Truth)[] Judged =
    [
        (Metric.Cpu, p => p.CpuPercent), (Metric.Slowdown, _ => 0), (Metric.WaitIncrease, _ => 0), (Metric.ThroughputLoss, _ => 0),
    ];

    /// <summary>Per metric: share of 95% intervals that hold the true value, of 90% ones, and of checks that failed.</summary>
    public sealed record Cell(Profile Profile, Noise Noise, int N, Metric Metric, double Coverage95, double Coverage90, double Fails, double MedianWidth95, double MedianWidth90);

    public static IEnumerable<Cell> Coverage(Profile p, Noise noise, int n, int replications, int seed)
    {
        var r = new Random(seed);
        var checks = Enumerable.Range(0, replications).Select(i => Judge(p, Pairs(r, p, noise, n))).ToArray();
        foreach (var (metric, truth) in Judged)
        {
            var c = checks.Select(cs => cs.Single(x => x.Metric == metric)).ToArray();
            var t = truth(p);
            yield return new Cell(p, noise, n, metric,
                c.Count(x => x.Low <= t && t <= x.High) / (double)c.Length,
                c.Count(x => x.Low90 <= t && t <= x.High90) / (double)c.Length,
                c.Count(x => x.Failed) / (double)c.Length,
                c.Select(x => x.High - x.Low).Order().ElementAt(c.Length / 2),
                c.Select(x => x.High90 - x.Low90).Order().ElementAt(c.Length / 2));
        }
    }

    /// <summary>
    /// One scenario through the protocol's own <see cref="RepetitionPolicy"/> (6 first, 2 more while undecided up to 16,
    /// a fail confirmed on as many again, pooled): the final verdict, whether a first attempt failed, and the pairs used.
    /// </summary>
    public static (Verdict Verdict, bool FailedFirst, int Repetitions) Scenario(Random r, IReadOnlyList<Profile> guests, Noise noise)
    {
        var policy = new RepetitionPolicy(First: 6, Max: 16);
        var pairs = guests.Select(g => Pairs(r, g, noise, policy.Worst)).ToArray();
        var (done, confirming, failedFirst) = (policy.First, false, false);
        while (true)
        {
            var verdict = new Verdict("simulated", guests.SelectMany((g, i) => Judge(g, pairs[i][..done], $"S{i + 1}")).ToArray());
            var (action, more) = policy.Next(verdict, done, confirming);
            if (action == RepetitionPolicy.Action.Stop) return (verdict, failedFirst, done);
            failedFirst |= action == RepetitionPolicy.Action.Confirm;
            (done, confirming) = (done + more, action == RepetitionPolicy.Action.Confirm);
        }
    }

    public static string Table(IEnumerable<Cell> cells)
    {
        var sb = new StringBuilder("profile     noise         n  metric              cov95   cov90  fails  width95  width90\n");
        foreach (var c in cells)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{c.Profile.Name,-10}  {c.Noise,-12}  {c.N,2}  {c.Metric.Label,-18}  {c.Coverage95,5:P1}  {c.Coverage90,5:P1}  {c.Fails,5:P1}  {c.MedianWidth95,7:0.00}  {c.MedianWidth90,7:0.00}");
        }
        return sb.ToString();
    }
}
