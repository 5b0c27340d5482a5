using Harness.Analysis;
using Harness.Reporting;
using Xunit;

namespace Harness.Tests.Reporting;

public sealed class RepetitionChartTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("harness-repetitions-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Each_repetition_pairs_its_co_run_segment_with_its_solo_segment()
    {
        var scenario = WithSegments(RecordedRun.Load()).Scenarios[0];
        // Repetition r: solo stretch 1.25, co-run stretch 1.25 * (1 + r / 10); co-run CPU 10 + r, solo CPU 20.
        Assert.Equal([10, 20, 30], RepetitionValues.Of(scenario, "S1", Metric.Slowdown)!.Select(v => Math.Round(v, 6)));
        Assert.Equal([11, 12, 13], RepetitionValues.Of(scenario, "S1", Metric.Cpu)!);
        Assert.Equal([45, 40, 35], RepetitionValues.Of(scenario, "S1", Metric.ThroughputLoss)!.Select(v => Math.Round(v, 6)));
        Assert.Equal([1, 2, 3], RepetitionValues.Badness(scenario, "S1", Metric.Cpu)!.Select(v => Math.Round(v, 6))); // target 10
        Assert.Null(RepetitionValues.Of(RecordedRun.Load().Scenarios[0], "S1", Metric.Slowdown));
    }

    [Fact]
    public async Task A_guest_with_segments_gets_a_chart_per_repetition_and_one_without_keeps_its_time_series()
    {
        var record = WithSegments(RecordedRun.Load());
        var plan = RunCharts.Plan(record);
        Assert.Equal(4, plan.Count(c => c.Scenario == "quick-a" && c.Kind == ChartKind.Repetitions));
        Assert.Equal(4, plan.Count(c => c.Scenario == "quick-b" && c.Kind == ChartKind.TimeSeries));

        await RunCharts.WriteAsync(record, _folder, TestContext.Current.CancellationToken);
        foreach (var chart in plan) Assert.True(new FileInfo(Path.Combine(_folder, chart.RelativePath)).Length > 1000, chart.RelativePath);
        var markdown = MarkdownReport.Render(record, plan);
        Assert.Contains("Per repetition: [S1](charts/01-quick-a-s1-repetitions.png)", markdown);
        Assert.Contains("Time series: [S1]", markdown);
    }

    /// <summary>The recorded run with three repetitions of segments for every guest of its first scenario.</summary>
    private static RunRecord WithSegments(RunRecord record)
    {
        var first = record.Scenarios[0];
        record.Scenarios[0] = first with
        {
            Guests = first.Guests.Select(g => g with
            {
                Segments = Enumerable.Range(1, 3).SelectMany(r => new[]
                {
                    new SegmentRecord(r, SegmentKind.Solo, 0, 1, new SegmentValues(20, 30, 0.4, 0.1, 1, 90, 100)),
                    new SegmentRecord(r, SegmentKind.CoRun, 1, 2, new SegmentValues(10 + r, 30, 0.4, 0.4 * (1.25 * (1 + r / 10.0) - 1), 1, 90, 100)),
                }).ToArray(),
            }).ToArray(),
        };
        return record;
    }
}
