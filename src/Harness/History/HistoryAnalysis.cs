using Harness.Reporting;
using Harness.Reporting.Comparison;

namespace Harness.History;

public enum ChangeStatus
{
    /// <summary>Not acknowledged: fails the gate.</summary>
    New,

    /// <summary>Silenced by an acknowledgement that has not expired.</summary>
    Acknowledged,

    /// <summary>Its acknowledgement has expired: fails the gate again.</summary>
    Expired,
}

/// <summary>What differs between two consecutive runs: the controls and versions first, then other facts and settings.</summary>
public sealed record RunDifference(int AfterRun, IReadOnlyList<ProvenanceDifference> Provenance, IReadOnlyList<FactComparison> OtherFacts)
{
    public bool Any => Provenance.Count > 0 || OtherFacts.Count > 0;

    /// <summary>"pve-manager 8.4.1 → 9.0.3; kernel … → …", or "no recorded difference".</summary>
    public override string ToString() => !Any ? "no recorded difference"
        : string.Join("; ", Provenance.Select(p => p.ToString()).Concat(OtherFacts.Select(f => $"{f.Name} {f.Baseline ?? "(not recorded)"} → {f.Run ?? "(not recorded)"}")));
}

/// <summary>A change point of one series, the runs either side of it and what differed between them.</summary>
public sealed record DetectedChange(SeriesKey Key, ChangePoint Change, string RunBefore, string RunAfter, int AfterRun, RunDifference Difference, Acknowledgement? Acknowledgement, ChangeStatus Status);

/// <summary>Change points over a history of runs, each annotated and matched against the acknowledgements.</summary>
public sealed class HistoryAnalysis
{
    public const int ExitOk = 0;

    /// <summary>A change point that no unexpired acknowledgement covers.</summary>
    public const int ExitUnacknowledgedChange = 4;

    private HistoryAnalysis(RunHistory history, IReadOnlyList<TrendSeries> series, IReadOnlyList<DetectedChange> changes, IReadOnlyList<RunDifference> differences)
    {
        History = history;
        Series = series;
        Changes = changes;
        Differences = differences;
    }

    public RunHistory History { get; }

    public IReadOnlyList<TrendSeries> Series { get; }

    public IReadOnlyList<DetectedChange> Changes { get; }

    /// <summary>Every pair of consecutive runs whose controls, versions, facts or settings differ: marked on every chart.</summary>
    public IReadOnlyList<RunDifference> Differences { get; }

    public IReadOnlyList<DetectedChange> Unacknowledged => Changes.Where(c => c.Status != ChangeStatus.Acknowledged).ToArray();

    public int ExitCode => Unacknowledged.Count > 0 ? ExitUnacknowledgedChange : ExitOk;

    public static HistoryAnalysis Analyse(RunHistory history, IReadOnlyList<Acknowledgement> acknowledgements, DateOnly today, ChangePointOptions? options = null)
    {
        var runs = history.Runs;
        var ids = runs.Select(r => r.RunId).ToArray();
        var differences = Enumerable.Range(1, Math.Max(0, runs.Count - 1)).Select(i => Difference(runs, i)).Where(d => d.Any).ToArray();
        var series = history.Series();
        var changes = new List<DetectedChange>();
        foreach (var s in series)
        {
            foreach (var cp in ChangePointDetector.Detect(s.Points.Select(p => p.Value).ToArray(), options))
            {
                var (before, after) = (s.Points[cp.Index - 1].Run, s.Points[cp.Index].Run);
                var matching = acknowledgements.Where(a => a.Matches(s.Key, ids, after)).ToArray();
                var valid = matching.FirstOrDefault(a => !a.IsExpired(today));
                var status = valid is not null ? ChangeStatus.Acknowledged : matching.Length > 0 ? ChangeStatus.Expired : ChangeStatus.New;
                changes.Add(new DetectedChange(s.Key, cp, ids[before], ids[after], after, Difference(runs, before, after),
                    valid ?? matching.FirstOrDefault(), status));
            }
        }
        return new HistoryAnalysis(history, series, changes, differences);
    }

    private static RunDifference Difference(IReadOnlyList<RunRecord> runs, int after) => Difference(runs, after - 1, after);

    // Runs that did not measure a series are skipped in it, so "either side" can be further apart than one run.
    private static RunDifference Difference(IReadOnlyList<RunRecord> runs, int before, int after) => new(
        after,
        RunProvenance.Of(runs[after]).DifferencesFrom(RunProvenance.Of(runs[before])),
        RunComparison.CompareFacts(runs[after], runs[before]).Where(f => f.Differs && !RunProvenance.IsControlKey(f.Name) && !IsPerRunDetail(f.Name)).ToArray());

    // A guest's own facts beyond its controls (VMID, address, host key, MAC address, name and tags holding the run
    // id) change with every run; they would mark every run as a configuration change.
    private static bool IsPerRunDetail(string fact) => fact.Split('.') is ["guest", _, _, ..];
}
