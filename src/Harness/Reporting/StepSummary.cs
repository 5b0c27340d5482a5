namespace Harness.Reporting;

/// <summary>GitHub Actions job summaries: Markdown appended to the file named by <c>GITHUB_STEP_SUMMARY</c>.</summary>
public static class StepSummary
{
    public const string Variable = "GITHUB_STEP_SUMMARY";

    /// <summary>Appends <see cref="MarkdownReport.Summary"/> of the run when running under Actions; returns whether it did.</summary>
    public static Task<bool> AppendAsync(RunRecord record, CancellationToken cancellationToken = default) =>
        AppendAsync(MarkdownReport.Summary(record), Environment.GetEnvironmentVariable(Variable), cancellationToken);

    /// <summary>Appends <paramref name="markdown"/> to <paramref name="summaryFile"/>; does nothing when it is null or empty (outside Actions).</summary>
    public static async Task<bool> AppendAsync(string markdown, string? summaryFile, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(summaryFile)) return false;
        // Several steps append to the same file; a blank line keeps this block from gluing onto the previous one.
        await File.AppendAllTextAsync(summaryFile, markdown.TrimEnd() + Environment.NewLine + Environment.NewLine, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
