namespace Harness.Reporting;

/// <summary>The files <see cref="RunReports.WriteAllAsync"/> wrote; <see cref="ChartError"/> says why charts are missing, if they are.</summary>
public sealed record ReportFiles(string Markdown, string Html, IReadOnlyList<string> Charts, string? ChartError);

/// <summary>Writes everything a person reads about a run into its folder, next to results.json.</summary>
public static class RunReports
{
    public const string MarkdownFile = "report.md";
    public const string HtmlFile = "report.html";

    /// <summary>
    /// report.md, report.html and charts/*.png in <paramref name="runFolder"/>. A chart that cannot be drawn (e.g. no
    /// native Skia on the machine) does not cost the text reports: they are written without charts and say why.
    /// </summary>
    public static async Task<ReportFiles> WriteAllAsync(RunRecord record, string runFolder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Directory.CreateDirectory(runFolder);
        IReadOnlyList<ReportChart> charts;
        string? chartError = null;
        try
        {
            charts = await RunCharts.WriteAsync(record, runFolder, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            charts = [];
            chartError = $"charts not drawn: {e.GetType().Name}: {e.Message}";
        }

        var markdown = MarkdownReport.Render(record, charts);
        if (chartError is not null) markdown += $"{Environment.NewLine}> {ReportText.MarkdownCell(chartError)}{Environment.NewLine}";
        var markdownPath = Path.Combine(runFolder, MarkdownFile);
        var htmlPath = Path.Combine(runFolder, HtmlFile);
        await WriteAtomicallyAsync(markdownPath, markdown, cancellationToken).ConfigureAwait(false);
        await WriteAtomicallyAsync(htmlPath, HtmlReport.Render(record, charts), cancellationToken).ConfigureAwait(false);
        return new ReportFiles(markdownPath, htmlPath,
            charts.Select(c => Path.Combine(runFolder, c.RelativePath.Replace('/', Path.DirectorySeparatorChar))).ToArray(), chartError);
    }

    /// <summary>Loads <c>results.json</c> (or a run folder holding one) and writes its reports beside it.</summary>
    public static Task<ReportFiles> RewriteAsync(string resultsPathOrFolder, CancellationToken cancellationToken = default)
    {
        var path = ResultsPath(resultsPathOrFolder);
        return WriteAllAsync(RunRecord.Load(path), Path.GetDirectoryName(Path.GetFullPath(path))!, cancellationToken);
    }

    /// <summary>Accepts a results.json path or the run folder that holds one.</summary>
    public static string ResultsPath(string resultsPathOrFolder) =>
        Directory.Exists(resultsPathOrFolder) ? Path.Combine(resultsPathOrFolder, "results.json") : resultsPathOrFolder;

    // A reader (a browser refreshing, a CI upload) never sees half a file.
    private static async Task WriteAtomicallyAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }
}
