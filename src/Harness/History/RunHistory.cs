using Harness.Analysis;
using Harness.Reporting;

namespace Harness.History;

/// <summary>Which trend a value belongs to: one metric of one guest in one scenario.</summary>
public sealed record SeriesKey(string Scenario, string Guest, Metric Metric)
{
    public override string ToString() => $"{Scenario} / {Guest} / {Metric.Id}";
}

/// <summary>A measured value and the position of its run in the history.</summary>
public sealed record HistoryPoint(int Run, double Value);

public sealed record TrendSeries(SeriesKey Key, IReadOnlyList<HistoryPoint> Points);

/// <summary>A folder of runs (one subfolder per run, each with a results.json), oldest first.</summary>
public sealed class RunHistory
{
    private RunHistory(IReadOnlyList<RunRecord> runs, IReadOnlyList<string> skipped)
    {
        Runs = runs;
        Skipped = skipped;
    }

    public IReadOnlyList<RunRecord> Runs { get; }

    /// <summary>Subfolders whose results.json could not be read, with why: reported, never silently dropped.</summary>
    public IReadOnlyList<string> Skipped { get; }

    public static RunHistory Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"history: no folder {folder}");
        var runs = new List<RunRecord>();
        var skipped = new List<string>();
        foreach (var results in Directory.EnumerateDirectories(folder).Select(d => Path.Combine(d, "results.json")).Where(File.Exists))
        {
            try
            {
                runs.Add(RunRecord.Load(results));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or IOException)
            {
                skipped.Add($"{results}: {e.Message}");
            }
        }
        return Of(runs, skipped);
    }

    public static RunHistory Of(IEnumerable<RunRecord> runs, IReadOnlyList<string>? skipped = null) =>
        new(runs.OrderBy(r => r.StartedAt).ThenBy(r => r.RunId, StringComparer.Ordinal).ToArray(), skipped ?? []);

    /// <summary>
    /// One series per scenario, guest and metric, in first-seen order. A run that did not measure a value (scenario
    /// missing or errored, NaN) has no point there, so a gap never reads as a change.
    /// </summary>
    public IReadOnlyList<TrendSeries> Series()
    {
        var series = new Dictionary<SeriesKey, List<HistoryPoint>>();
        for (var i = 0; i < Runs.Count; i++)
        {
            // As compare does: a scenario recorded twice in one run counts by its last record.
            foreach (var scenario in Runs[i].Scenarios.GroupBy(s => s.Name, StringComparer.Ordinal).Select(g => g.Last()))
            {
                foreach (var check in scenario.Checks.Where(c => !double.IsNaN(c.Measured)))
                {
                    var key = new SeriesKey(scenario.Name, check.Guest, check.Metric);
                    if (!series.TryGetValue(key, out var points)) series[key] = points = [];
                    points.Add(new HistoryPoint(i, check.Measured));
                }
            }
        }
        return series.Select(s => new TrendSeries(s.Key, s.Value)).ToArray();
    }
}
