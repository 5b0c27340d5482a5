namespace Harness.Reporting;

/// <summary>GitHub Actions job summaries: Markdown appended to the file named by <c>GITHUB_STEP_SUMMARY</c>.</summary>
public static class StepSummary
{
    public const string Variable = "GITHUB_STEP_SUMMARY";

    /// <summary>Appends <see cref="MarkdownReport.Summary"/> of the run to <paramref name="summaryFile"/> (none: writes nothing).</summary>
    public static IExporter Exporter(string? summaryFile) => new SummaryExporter(summaryFile);

    /// <summary>Appends <paramref name="markdown"/> to <paramref name="summaryFile"/>; does nothing when it is null or empty (outside Actions).</summary>
    public static async Task<bool> AppendAsync(string markdown, string? summaryFile, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(summaryFile)) return false;
        // Several steps append to the same file; a blank line keeps this block from gluing onto the previous one.
        await File.AppendAllTextAsync(summaryFile, markdown.TrimEnd() + Environment.NewLine + Environment.NewLine, cancellationToken).ConfigureAwait(false);
        return true;
    }
}

/// <summary>The run's compact summary for a CI job page; the file lies outside the run folder, named by Actions.</summary>
internal sealed class SummaryExporter(string? summaryFile) : IExporter
{
    public string Name => "step-summary";

    public async Task<IReadOnlyList<string>> ExportAsync(RunRecord record, string runFolder, CancellationToken cancellationToken) =>
        await StepSummary.AppendAsync(MarkdownReport.Summary(record), summaryFile, cancellationToken).ConfigureAwait(false) ? [summaryFile!] : [];
}
