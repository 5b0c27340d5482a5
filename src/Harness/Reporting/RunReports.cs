namespace Harness.Reporting;

/// <summary>Writes everything a person reads about a run into its folder, next to results.json, through a list of exporters.</summary>
public static class RunReports
{
    public const string MarkdownFile = "report.md";
    public const string HtmlFile = "report.html";

    /// <summary>charts/*.png, report.md and report.html; charts first, since the reports link the charts that were drawn.</summary>
    public static IReadOnlyList<IExporter> Default { get; } = [new ChartsExporter(), new MarkdownExporter(), new HtmlExporter()];

    /// <summary>The <see cref="Default"/> exporters.</summary>
    public static Task<IReadOnlyList<string>> WriteAllAsync(RunRecord record, string runFolder, CancellationToken cancellationToken = default) =>
        WriteAllAsync(record, runFolder, Default, cancellationToken);

    /// <summary>
    /// Runs every exporter in order and returns the files they wrote. One that fails does not cost the others (charts
    /// that cannot be drawn, e.g. without native Skia, still leave the text reports); once all have run, an
    /// <see cref="ExportException"/> names every exporter that failed.
    /// </summary>
    public static async Task<IReadOnlyList<string>> WriteAllAsync(
        RunRecord record, string runFolder, IEnumerable<IExporter> exporters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        Directory.CreateDirectory(runFolder);
        var written = new List<string>();
        var failures = new List<(string, Exception)>();
        foreach (var exporter in exporters)
        {
            try
            {
                written.AddRange(await exporter.ExportAsync(record, runFolder, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add((exporter.Name, e));
            }
        }
        if (failures.Count > 0) throw new ExportException(failures, written);
        return written;
    }

    /// <summary>Loads <c>results.json</c> (or a run folder holding one) and runs <paramref name="exporters"/> beside it.</summary>
    public static Task<IReadOnlyList<string>> RewriteAsync(string resultsPathOrFolder, IEnumerable<IExporter> exporters, CancellationToken cancellationToken = default)
    {
        var path = ResultsPath(resultsPathOrFolder);
        return WriteAllAsync(RunRecord.Load(path), Path.GetDirectoryName(Path.GetFullPath(path))!, exporters, cancellationToken);
    }

    /// <summary>Accepts a results.json path or the run folder that holds one.</summary>
    public static string ResultsPath(string resultsPathOrFolder) =>
        Directory.Exists(resultsPathOrFolder) ? Path.Combine(resultsPathOrFolder, "results.json") : resultsPathOrFolder;
}
