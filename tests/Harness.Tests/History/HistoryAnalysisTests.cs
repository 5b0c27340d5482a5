using Harness.Analysis;
using Harness.History;
using Harness.Reporting;
using Xunit;

namespace Harness.Tests.History;

public sealed class HistoryAnalysisTests
{
    private static readonly DateOnly Today = new(2026, 11, 26);

    private static HistoryAnalysis StepAtRun25(params Acknowledgement[] acknowledgements) => HistoryAnalysis.Analyse(
        RunHistory.Of(SyntheticHistory.Make(40, ("quick-a", "S1", Metric.Slowdown, 25, 12), upgradeAt: 25)), acknowledgements, Today);

    [Fact]
    public void A_step_is_found_at_the_run_it_starts_and_annotated_with_what_changed_there()
    {
        var analysis = StepAtRun25();
        var change = Assert.Single(analysis.Changes); // 39 other series are noise only
        Assert.Equal(new SeriesKey("quick-a", "S1", Metric.Slowdown), change.Key);
        Assert.Equal((SyntheticHistory.RunId(24), SyntheticHistory.RunId(25), 25), (change.RunBefore, change.RunAfter, change.AfterRun));
        Assert.InRange(change.Change.Shift, 10, 14);
        Assert.Contains("pve-manager 8.4.1 → 9.0.3", change.Difference.ToString());
        Assert.Contains("kernel 6.8.12-9-pve → 6.14.8-2-pve", change.Difference.ToString());
        Assert.Equal(ChangeStatus.New, change.Status);
        Assert.Equal(HistoryAnalysis.ExitUnacknowledgedChange, analysis.ExitCode);
        var upgrade = Assert.Single(analysis.Differences);
        Assert.Equal(25, upgrade.AfterRun);
    }

    [Fact]
    public void Noise_and_a_configuration_change_without_an_effect_mark_no_change_point()
    {
        var analysis = HistoryAnalysis.Analyse(RunHistory.Of(SyntheticHistory.Make(60, upgradeAt: 30)), [], Today);
        Assert.Empty(analysis.Changes);
        Assert.Equal(HistoryAnalysis.ExitOk, analysis.ExitCode);
        Assert.Single(analysis.Differences);
    }

    [Fact]
    public void An_acknowledged_change_does_not_fail_and_an_expired_acknowledgement_does()
    {
        var valid = new Acknowledgement("quick-a", "S1", "slowdown", SyntheticHistory.RunId(25), "PVE 9 upgrade, accepted", Today.AddDays(30));
        var acknowledged = StepAtRun25(valid);
        Assert.Equal(ChangeStatus.Acknowledged, Assert.Single(acknowledged.Changes).Status);
        Assert.Equal(HistoryAnalysis.ExitOk, acknowledged.ExitCode);

        var expired = StepAtRun25(valid with { Expires = Today.AddDays(-1) });
        Assert.Equal(ChangeStatus.Expired, Assert.Single(expired.Changes).Status);
        Assert.Equal(HistoryAnalysis.ExitUnacknowledgedChange, expired.ExitCode);

        // Valid through its last day, and a change point that moved by a run is still the one acknowledged.
        Assert.Equal(HistoryAnalysis.ExitOk, StepAtRun25(valid with { Expires = Today, Run = SyntheticHistory.RunId(26) }).ExitCode);
        // Another metric or a run far away is a different change.
        Assert.Equal(HistoryAnalysis.ExitUnacknowledgedChange, StepAtRun25(valid with { Metric = "wait-increase" }).ExitCode);
        Assert.Equal(HistoryAnalysis.ExitUnacknowledgedChange, StepAtRun25(valid with { Run = SyntheticHistory.RunId(10) }).ExitCode);
    }

    [Fact]
    public void Acknowledgements_need_a_run_a_reason_and_an_expiry_date()
    {
        var folder = Directory.CreateTempSubdirectory("history-ack-").FullName;
        var good = Path.Combine(folder, "good.yaml");
        File.WriteAllText(good, """
            acknowledgements:
              - scenario: quick-a
                metric: slowdown
                run: 20260926-033700-r25
                reason: PVE 9 upgrade, accepted in ticket 42
                expires: 2026-12-31
            """);
        var a = Assert.Single(Acknowledgement.Load(good));
        Assert.Equal((null, "slowdown", new DateOnly(2026, 12, 31)), (a.Guest, a.Metric, a.Expires));

        var bad = Path.Combine(folder, "bad.yaml");
        File.WriteAllText(bad, "acknowledgements:\n  - scenario: quick-a\n    run: r1\n    expires: soon\n");
        var e = Assert.Throws<InvalidDataException>(() => Acknowledgement.Load(bad));
        Assert.Contains("missing 'reason'", e.Message);
        Assert.Contains("'expires' must be a date", e.Message);
    }

    [Fact]
    public void A_folder_of_runs_is_read_oldest_first_and_an_unreadable_run_is_named()
    {
        var folder = Directory.CreateTempSubdirectory("history-runs-").FullName;
        var runs = SyntheticHistory.Make(5);
        // Folder names in reverse: order comes from when the runs started, not from the names.
        for (var i = 0; i < runs.Count; i++) runs[i].Save(Path.Combine(folder, $"{9 - i}", "results.json"));
        Directory.CreateDirectory(Path.Combine(folder, "broken"));
        File.WriteAllText(Path.Combine(folder, "broken", "results.json"), "{ not json");
        var history = RunHistory.Load(folder);
        Assert.Equal(runs.Select(r => r.RunId), history.Runs.Select(r => r.RunId));
        Assert.Contains("broken", Assert.Single(history.Skipped));
    }
}
