namespace Harness.Reporting;

/// <summary>charts/*.png: the planned charts, each drawn afresh.</summary>
internal sealed class ChartsExporter : IExporter
{
    public string Name => "charts";

    public async Task<IReadOnlyList<string>> ExportAsync(RunRecord record, string runFolder, CancellationToken cancellationToken)
    {
        var plan = RunCharts.Plan(record);
        // A chart left from an earlier rendering must not be linked as if this one had drawn it.
        foreach (var chart in plan.Where(c => File.Exists(RunCharts.PathIn(runFolder, c)))) File.Delete(RunCharts.PathIn(runFolder, chart));
        var drawn = await RunCharts.WriteAsync(record, runFolder, cancellationToken).ConfigureAwait(false);
        return drawn.Select(c => RunCharts.PathIn(runFolder, c)).ToArray();
    }
}

/// <summary>report.md, linking the charts that exist and saying how many could not be drawn.</summary>
internal sealed class MarkdownExporter : IExporter
{
    public string Name => "markdown";

    public async Task<IReadOnlyList<string>> ExportAsync(RunRecord record, string runFolder, CancellationToken cancellationToken)
    {
        var (drawn, missing) = RunCharts.Drawn(record, runFolder);
        var markdown = MarkdownReport.Render(record, drawn);
        if (missing > 0) markdown += $"{Environment.NewLine}> {missing} chart(s) could not be drawn; the run's log names the error.{Environment.NewLine}";
        return [await ReportFile.WriteAtomicallyAsync(Path.Combine(runFolder, RunReports.MarkdownFile), markdown, cancellationToken).ConfigureAwait(false)];
    }
}

/// <summary>report.html, showing the charts that exist.</summary>
internal sealed class HtmlExporter : IExporter
{
    public string Name => "html";

    public async Task<IReadOnlyList<string>> ExportAsync(RunRecord record, string runFolder, CancellationToken cancellationToken)
    {
        var html = HtmlReport.Render(record, RunCharts.Drawn(record, runFolder).Drawn);
        return [await ReportFile.WriteAtomicallyAsync(Path.Combine(runFolder, RunReports.HtmlFile), html, cancellationToken).ConfigureAwait(false)];
    }
}

internal static class ReportFile
{
    // A reader (a browser refreshing, a CI upload) never sees half a file.
    public static async Task<string> WriteAtomicallyAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
        return path;
    }
}
