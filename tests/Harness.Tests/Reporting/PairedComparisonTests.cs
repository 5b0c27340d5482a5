using Harness.Analysis;
using Harness.Reporting;
using Harness.Reporting.Comparison;
using Xunit;

namespace Harness.Tests.Reporting;

/// <summary>
/// Comparisons of runs that kept their segments: a metric regresses only when it is worse by enough to matter and by
/// more than its repetitions' noise, with the false-alarm rate held over every metric of the comparison.
/// </summary>
public sealed class PairedComparisonTests
{
    private const int Repetitions = 6;

    [Fact]
    public void Holm_scales_each_p_value_by_its_rank_and_keeps_the_order()
    {
        var adjusted = Significance.Holm([0.01, 0.04, 0.03, 0.005, double.NaN]);
        Assert.Equal([0.03, 0.06, 0.06, 0.02], adjusted.Take(4).Select(p => Math.Round(p, 10)));
        Assert.True(double.IsNaN(adjusted[4]));
    }

    [Fact]
    public void Welch_finds_a_clear_shift_and_not_its_reverse()
    {
        double[] baseline = [10, 12, 11, 9, 10, 11], worse = [20, 22, 19, 21, 20, 23];
        Assert.True(Significance.WelchGreater(worse, baseline) < 1e-5);
        Assert.True(Significance.WelchGreater(baseline, worse) > 0.99);
        Assert.True(double.IsNaN(Significance.WelchGreater([1], baseline)));
    }

    [Fact]
    public void Families_of_null_metrics_raise_a_false_alarm_in_at_most_alpha_of_comparisons()
    {
        // 2000 comparisons of 40 metrics, 6 repetitions a side, both sides from one distribution.
        var random = new Random(20261126);
        var alarms = 0;
        for (var family = 0; family < 2000; family++)
        {
            var p = Enumerable.Range(0, 40).Select(_ => Significance.WelchGreater(Normal(random, 10, 3), Normal(random, 10, 3))).ToArray();
            if (Significance.Holm(p).Any(q => q <= ComparisonOptions.DefaultAlpha)) alarms++;
        }
        Assert.InRange(alarms / 2000.0, 0, 0.05);
    }

    [Fact]
    public void Two_runs_of_one_build_do_not_regress_although_noise_alone_moves_points_past_the_threshold()
    {
        var random = new Random(7);
        var baseline = Simulated("baseline", random);
        var run = Simulated("run", random);
        var comparison = RunComparison.Compare(run, baseline);

        // On point values alone (the rule before segments were kept) this pair would have failed.
        var pointOnly = comparison.Metrics.Count(m => m.WorseByPoints > ComparisonOptions.DefaultMinimumPoints && m.WorseByPercent > ComparisonOptions.DefaultThresholdPercent);
        Assert.True(pointOnly > 0, "the simulated noise should move some point values past the threshold");
        Assert.All(comparison.Metrics, m => Assert.NotNull(m.AdjustedP));
        Assert.False(comparison.Regressed, string.Join("; ", comparison.Regressions.Select(m => $"{m.Scenario} {m.Guest} {m.Metric.Id} p={m.AdjustedP}")));
        Assert.Equal(RunComparison.ExitOk, comparison.ExitCode);
    }

    [Fact]
    public void A_slowdown_well_beyond_the_noise_regresses_that_guest_only()
    {
        var random = new Random(11);
        var baseline = Simulated("baseline", random);
        var run = Simulated("run", random, slowerGuest: "S2");
        var comparison = RunComparison.Compare(run, baseline);

        Assert.All(comparison.Regressions, m => Assert.Equal(("quick-a", "S2"), (m.Scenario, m.Guest)));
        var slowdown = Assert.Single(comparison.Regressions, m => m.Metric == Metric.Slowdown);
        Assert.True(slowdown.AdjustedP <= ComparisonOptions.DefaultAlpha);
        Assert.Equal(RunComparison.ExitRegressed, comparison.ExitCode);
    }

    [Fact]
    public void A_cpu_offset_within_the_calibration_band_is_not_a_regression_and_one_past_it_is()
    {
        // Each run's loop stops at its own point of the ±2 band and all its repetitions share it, so the spread between
        // repetitions (0.3 here) says nothing about the difference between runs.
        var random = new Random(13);
        var baseline = Simulated("baseline", random, cpuOffset: 0.3, cpuSpread: 0.3);
        Assert.Equal("2", baseline.Settings["calibrationTolerance"]);

        var withinBand = RunComparison.Compare(Simulated("run", random, cpuOffset: 1.6, cpuSpread: 0.3), baseline);
        Assert.Contains(withinBand.Metrics, m => m.Metric == Metric.Cpu && m.WorseByPoints > ComparisonOptions.DefaultMinimumPoints && m.AdjustedP <= ComparisonOptions.DefaultAlpha);
        Assert.DoesNotContain(withinBand.Regressions, m => m.Metric == Metric.Cpu);

        var pastBand = RunComparison.Compare(Simulated("run", random, cpuOffset: 3.0, cpuSpread: 0.3), baseline);
        Assert.Contains(pastBand.Regressions, m => m.Metric == Metric.Cpu);
        Assert.Equal(RunComparison.ExitRegressed, pastBand.ExitCode);
    }

    /// <summary>
    /// The recorded run with 6 repetitions of simulated segments per guest (CPU ± <paramref name="cpuSpread"/> points,
    /// wait 20 ± 8 % of run time) and checks measured from them; <paramref name="slowerGuest"/> waits 4 times as long
    /// co-run in scenario quick-a; <paramref name="cpuOffset"/> is where the run's calibration stopped, shared by all
    /// its segments.
    /// </summary>
    private static RunRecord Simulated(string id, Random random, string? slowerGuest = null, double cpuOffset = 0, double cpuSpread = 2)
    {
        var recorded = RecordedRun.Load();
        return new RunRecord
        {
            RunId = id, StartedAt = recorded.StartedAt, Testbed = recorded.Testbed, Settings = recorded.Settings,
            Scenarios = recorded.Scenarios.Select(s =>
            {
                var guests = s.Guests.Select(g => g with
                {
                    Segments = Segments(random, g.TargetCpuPercent + cpuOffset, cpuSpread, g.TargetRamPercent, s.Name == "quick-a" && g.Guest == slowerGuest ? 4 : 1),
                }).ToArray();
                var checks = s.Checks.Select(c => c with
                {
                    Measured = Mean(guests.Single(g => g.Guest == c.Guest), c.Metric) is { } m && double.IsFinite(m) ? m : c.Measured,
                }).ToArray();
                return s with { Guests = guests, Checks = checks };
            }).ToList(),
        };
    }

    private static SegmentRecord[] Segments(Random random, double cpu, double cpuSpread, double ram, double coRunWaitFactor) =>
        Enumerable.Range(1, Repetitions).SelectMany(rep => new[] { SegmentKind.Solo, SegmentKind.CoRun }.Select(kind =>
        {
            var load = Math.Max(0.5, cpu + Gaussian(random) * cpuSpread);
            var run = load / 100 * 0.4 * 1.5;
            var wait = run * Math.Max(0, 0.2 * (kind == SegmentKind.CoRun ? coRunWaitFactor : 1) + Gaussian(random) * 0.08);
            var values = new SegmentValues(load, ram + Gaussian(random) * 0.05, run, wait, 1.5, 90, 200);
            return new SegmentRecord(rep, kind, 0, 1.5, values);
        })).ToArray();

    /// <summary>The mean of the metric's per-repetition value, as a scenario would report it.</summary>
    private static double Mean(GuestMeasurement g, Metric metric)
    {
        var pairs = g.Segments!.GroupBy(s => s.Repetition)
            .Select(r => (Co: r.Single(s => s.Kind == SegmentKind.CoRun).Values, Solo: r.Single(s => s.Kind == SegmentKind.Solo).Values)).ToArray();
        return metric.Id switch
        {
            "cpu" => pairs.Average(p => p.Co.CpuPercent),
            "ram" => pairs.Average(p => p.Co.RamPercent),
            "slowdown" => pairs.Average(p => (p.Co.Stretch / p.Solo.Stretch - 1) * 100),
            "wait-increase" => pairs.Average(p => p.Co.WaitPercent - p.Solo.WaitPercent),
            "throughput-loss" => pairs.Average(p => (1 - p.Co.CpuPercent / p.Solo.CpuPercent) * 100),
            _ => double.NaN,
        };
    }

    private static double[] Normal(Random random, double mean, double sd) =>
        Enumerable.Range(0, Repetitions).Select(_ => mean + Gaussian(random) * sd).ToArray();

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
