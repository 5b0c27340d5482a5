using System.Text;
using Harness.Analysis;
using Harness.Reporting;
using Snapshooter.Xunit3;
using Xunit;

namespace Harness.Tests.Reporting;

public sealed class MarkdownReportTests
{
    [Fact]
    public void The_report_of_a_recorded_run_matches_its_snapshot() =>
        Snapshot.Match(MarkdownReport.Render(RecordedRun.Load(), RunCharts.Plan(RecordedRun.Load())));

    [Fact]
    public void The_summary_of_a_recorded_run_matches_its_snapshot() =>
        Snapshot.Match(MarkdownReport.Summary(RecordedRun.Load()));

    [Fact]
    public void Worst_breaches_come_first_and_table_1_marks_each_guest()
    {
        var report = MarkdownReport.Render(RecordedRun.Load(), []);
        var breaches = report[report.IndexOf("## Worst breaches", StringComparison.Ordinal)..report.IndexOf("## Table 1", StringComparison.Ordinal)];
        Assert.True(breaches.IndexOf("| S1 | RAM % | 80.0 | 31.4 |", StringComparison.Ordinal) < breaches.IndexOf("| S2 | CPU % |", StringComparison.Ordinal));
        Assert.Contains("| quick-b | ✗ CPU 90 → 100.0<br>RAM 80 → 31.4 |", report);
        Assert.Contains("| quick-a | ✓ CPU 90 → 90.6<br>RAM 80 → 80.0 |", report);
    }

    [Fact]
    public void A_metric_added_later_shows_up_without_changes_to_the_renderer()
    {
        var record = WithExtraCheck(RecordedRun.Load(), new Check("S2", "wait %", 0, 7.5, 5));
        var report = MarkdownReport.Render(record, []);
        Assert.Contains("| S2 | wait % | 0.0 | 7.5 | +7.5 | ±5.0 | ✗ FAIL |", report);
        Assert.Contains("<br>wait 0 → 7.5", report);
        Assert.Contains("| quick-a | S2 | wait % | 0.0 | 7.5 | +7.5 | ±5.0 | 2.5 |", report);
    }

    [Fact]
    public void Secrets_never_reach_a_report()
    {
        const string token = "root@pam!harness=0b5c3d7e-1111-2222-3333-444455556666";
        var loaded = RecordedRun.Load();
        var record = new RunRecord
        {
            RunId = loaded.RunId,
            StartedAt = loaded.StartedAt,
            Testbed = new Dictionary<string, string>(loaded.Testbed) { ["pve.api"] = token },
            Settings = new Dictionary<string, string>(loaded.Settings) { ["pveTokenSecret"] = "hunter2" },
            Scenarios = loaded.Scenarios,
        };
        foreach (var text in new[] { MarkdownReport.Render(record, []), MarkdownReport.Summary(record), HtmlReport.Render(record, []) })
        {
            Assert.DoesNotContain("hunter2", text);
            Assert.DoesNotContain("0b5c3d7e", text);
            Assert.Contains("(redacted)", text);
        }
    }

    [Fact]
    public void The_summary_stays_under_the_job_summary_limit_and_folds_details()
    {
        var loaded = RecordedRun.Load();
        var many = Enumerable.Range(0, 3000).Select(i => loaded.Scenarios[i % 2] with { Name = $"Scenario {i:0000}" }).ToList();
        var record = new RunRecord { RunId = "big", StartedAt = loaded.StartedAt, Testbed = loaded.Testbed, Settings = loaded.Settings, Scenarios = many };
        var summary = MarkdownReport.Summary(record);
        Assert.True(Encoding.UTF8.GetByteCount(summary) < 1024 * 1024);
        Assert.Contains("<details>", summary);
        Assert.Contains("left out to keep the summary small", summary);
    }

    internal static RunRecord WithExtraCheck(RunRecord record, Check extra) => new()
    {
        RunId = record.RunId,
        StartedAt = record.StartedAt,
        Testbed = record.Testbed,
        Settings = record.Settings,
        Scenarios = record.Scenarios.Select(s => s.Outcome == "pass" ? s with { Checks = [.. s.Checks, extra], Outcome = "fail" } : s).ToList(),
    };
}
