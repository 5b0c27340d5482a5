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
        Assert.True(breaches.IndexOf("| S4 | throughput loss % | 0.0 | 35.3 |", StringComparison.Ordinal) < breaches.IndexOf("| S4 | CPU % | 90.0 | 68.1 |", StringComparison.Ordinal));
        Assert.DoesNotContain("slowdown", breaches); // within its budget everywhere: only failed checks are breaches
        Assert.Contains("| quick-b | ✗ CPU 90 → 69.2<br>RAM 80 → 80.7<br>slowdown 0 → 39.6", report);
        Assert.Contains("| quick-a | ✓ CPU 10 → 10.5<br>RAM 30 → 30.8<br>slowdown 0 → 4.8", report);
    }

    [Fact]
    public void A_metric_added_later_shows_up_without_changes_to_the_renderer()
    {
        var ioLatency = new Metric("io-p99", "I/O p99 ms", "ms", MetricDirection.LowerIsBetter);
        var record = WithExtraCheck(RecordedRun.Load(), new Check("S2", ioLatency, 0, 7.5, 5, Low: 6, High: 9, Kind: CheckKind.AtMost));
        var report = MarkdownReport.Render(record, []);
        Assert.Contains("| S2 | I/O p99 ms | 0.0 | 7.5 | +7.5 | ≤ 5.0 | ✗ FAIL |", report);
        Assert.Contains("<br>I/O p99 ms 0 → 7.5", report);
        Assert.Contains("| quick-a | S2 | I/O p99 ms | 0.0 | 7.5 | +7.5 | ≤ 5.0 | 2.5 |", report);
    }

    [Fact]
    public void An_invalid_row_is_drawn_as_not_judged_never_with_ticks()
    {
        var loaded = RecordedRun.Load();
        var record = new RunRecord
        {
            RunId = loaded.RunId, StartedAt = loaded.StartedAt, Testbed = loaded.Testbed, Settings = loaded.Settings,
            Scenarios = loaded.Scenarios.Select(s => s.Name == "quick-a" ? s with { Outcome = "invalid", Error = "S1: CPU load not brought to target" } : s).ToList(),
        };
        var report = MarkdownReport.Render(record, []);
        Assert.Contains("| quick-a | ? CPU 10 → 10.5", report);
        Assert.DoesNotContain("| quick-a | ✓", report);
        Assert.Contains("0 pass, 1 invalid", report);
        var html = HtmlReport.Render(record, []);
        Assert.Contains("<td class=\"invalid\">? CPU 10", html);
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

    [Fact]
    public void Each_guests_allocation_is_shown_under_its_scenario_and_results_without_it_show_none()
    {
        var loaded = RecordedRun.Load();
        Assert.DoesNotContain("Allocation:", MarkdownReport.Render(loaded, []));

        var record = new RunRecord
        {
            RunId = loaded.RunId,
            StartedAt = loaded.StartedAt,
            Testbed = loaded.Testbed,
            Settings = loaded.Settings,
            Scenarios = loaded.Scenarios.Select(s => s with
            {
                Guests = s.Guests.Select((g, i) => g with { Allocation = new Harness.Testbeds.GuestAllocation(i == 0 ? 0.6 : 0.25, (i == 0 ? 768L : 1024L) << 20) }).ToArray(),
            }).ToList(),
        };

        var report = MarkdownReport.Render(record, []);
        Assert.Contains("Allocation: S1 0.6 CPU, 768 MiB · S2 0.25 CPU, 1024 MiB · S3 0.25 CPU, 1024 MiB · S4 0.25 CPU, 1024 MiB.", report);
        Assert.Contains("<p>Allocation: S1 0.6 CPU, 768 MiB", HtmlReport.Render(record, []));
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
