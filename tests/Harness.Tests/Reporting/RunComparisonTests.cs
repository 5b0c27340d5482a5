using Harness.Analysis;
using Harness.Reporting;
using Harness.Reporting.Comparison;
using Xunit;

namespace Harness.Tests.Reporting;

public sealed class RunComparisonTests
{
    [Fact]
    public void A_run_compared_with_itself_passes()
    {
        var run = RecordedRun.Load();
        var comparison = RunComparison.Compare(run, RecordedRun.Load());
        Assert.False(comparison.Regressed);
        Assert.Equal(RunComparison.ExitOk, comparison.ExitCode);
        Assert.Equal(2 * 4 * 5, comparison.Metrics.Count); // scenarios × guests × (CPU, RAM, slowdown, wait, throughput)
        Assert.All(comparison.Metrics, m => Assert.Equal(ComparisonStatus.Unchanged, m.Status));
        Assert.All(comparison.Facts, f => Assert.False(f.Differs));
    }

    [Fact]
    public void A_baseline_20_percent_better_than_the_run_fails_it()
    {
        var run = RecordedRun.Load();
        var comparison = RunComparison.Compare(run, Doctor(run, better: 0.20));
        Assert.True(comparison.Regressed);
        Assert.Equal(RunComparison.ExitRegressed, comparison.ExitCode);
        var worst = comparison.Regressions.OrderByDescending(m => m.WorseByPoints).First();
        Assert.Equal(("quick-b", "S4", Metric.Slowdown), (worst.Scenario, worst.Guest, worst.Metric));
        Assert.Equal(25, worst.WorseByPercent!.Value, 6);
    }

    [Fact]
    public void A_run_20_percent_better_than_its_baseline_passes()
    {
        var run = RecordedRun.Load();
        var comparison = RunComparison.Compare(Doctor(run, better: 0.20), run);
        Assert.False(comparison.Regressed);
        Assert.Contains(comparison.Metrics, m => m.Status == ComparisonStatus.Better);
    }

    [Fact]
    public void Costs_such_as_wait_regress_when_they_grow_even_without_a_target_distance()
    {
        var latency = new Metric("io-p99", "I/O p99 ms", "ms", MetricDirection.LowerIsBetter);
        var run = MarkdownReportTests.WithExtraCheck(RecordedRun.Load(), new Check("S1", latency, 0, 10, 20, Kind: CheckKind.AtMost));
        var baseline = MarkdownReportTests.WithExtraCheck(RecordedRun.Load(), new Check("S1", latency, 0, 8, 20, Kind: CheckKind.AtMost));
        var wait = RunComparison.Compare(run, baseline).Metrics.Single(m => m.Metric == latency);
        Assert.Equal(MetricDirection.LowerIsBetter, wait.Direction);
        Assert.Equal(ComparisonStatus.Regressed, wait.Status);
        Assert.Equal(MetricDirection.LowerIsBetter, Metric.Slowdown.Direction);
        Assert.Equal(MetricDirection.LowerIsBetter, Metric.ThroughputLoss.Direction);
        Assert.Equal(MetricDirection.TowardTarget, Metric.Cpu.Direction);
    }

    [Fact]
    public void Small_worsening_within_the_threshold_or_the_point_floor_passes()
    {
        var run = RecordedRun.Load();
        Assert.False(RunComparison.Compare(run, Doctor(run, better: 0.04)).Regressed);
        Assert.True(RunComparison.Compare(run, Doctor(run, better: 0.04), new ComparisonOptions(ThresholdPercent: 3)).Regressed);
        Assert.False(RunComparison.Compare(run, Doctor(run, better: 0.20), new ComparisonOptions(MinimumPoints: 50)).Regressed);
    }

    [Fact]
    public void A_scenario_missing_from_the_run_fails_unless_allowed()
    {
        var baseline = RecordedRun.Load();
        var run = RecordedRun.Load();
        run.Scenarios.RemoveAll(s => s.Name == "quick-a");
        Assert.True(RunComparison.Compare(run, baseline).Regressed);
        Assert.False(RunComparison.Compare(run, baseline, new ComparisonOptions(AllowMissing: true)).Regressed);
        Assert.All(RunComparison.Compare(baseline, run).Metrics.Where(m => m.Scenario == "quick-a"), m => Assert.Equal(ComparisonStatus.New, m.Status));
    }

    [Fact]
    public void Version_facts_come_first_side_by_side()
    {
        var run = RecordedRun.Load();
        var upgraded = new RunRecord
        {
            RunId = "after", StartedAt = run.StartedAt, Settings = run.Settings, Scenarios = run.Scenarios,
            Testbed = new Dictionary<string, string>(run.Testbed) { ["pve.version"] = "9.1.2", ["qemu.version"] = "10.1.0", ["host.kernel"] = "6.17.2-1-pve" },
        };
        var baseline = new RunRecord
        {
            RunId = "before", StartedAt = run.StartedAt, Settings = run.Settings, Scenarios = run.Scenarios,
            Testbed = new Dictionary<string, string>(run.Testbed) { ["pve.version"] = "9.0.10", ["qemu.version"] = "10.0.2" },
        };
        var facts = RunComparison.Compare(upgraded, baseline).Facts;
        Assert.Equal(["pve.version", "host.kernel", "qemu.version"], facts.Take(3).Select(f => f.Name));
        Assert.Equal(new FactComparison("testbed", "pve.version", "9.1.2", "9.0.10"), facts[0]);
        Assert.True(facts[0].Differs);
        Assert.DoesNotContain(facts, f => f.Name == "backend" && f.Differs);
    }

    [Fact]
    public void Intervals_are_the_95_percent_t_interval_of_the_series_mean()
    {
        var interval = MeanInterval.Of(new SeriesSummary(5, 100, 4, 95, 105))!;
        // t(0.975, 4) = 2.7764: half-width 2.7764 * 4 / sqrt(5)
        Assert.Equal(4.967, interval.HalfWidth, 3);
        Assert.Null(MeanInterval.Of(new SeriesSummary(1, 100, 0, 100, 100)));
        var metric = RunComparison.Compare(RecordedRun.Load(), RecordedRun.Load()).Metrics.First();
        Assert.NotNull(metric.RunInterval);
        Assert.True(metric.IntervalsOverlap);
    }

    /// <summary>A copy of <paramref name="run"/> whose every check is <paramref name="better"/> (a fraction) closer to its target.</summary>
    private static RunRecord Doctor(RunRecord run, double better) => new()
    {
        RunId = run.RunId + "-doctored",
        StartedAt = run.StartedAt,
        Testbed = run.Testbed,
        Settings = run.Settings,
        Scenarios = run.Scenarios.Select(s => s with
        {
            Checks = s.Checks.Select(c => c with { Measured = c.Target + c.Error * (1 - better) }).ToArray(),
        }).ToList(),
    };
}
