using Harness.Reporting;
using Xunit;

namespace Harness.Tests.Reporting;

public sealed class RunReportsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("harness-reports-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Writes_markdown_html_and_every_linked_chart_into_the_run_folder()
    {
        var files = await RunReports.WriteAllAsync(RecordedRun.Load(), _folder, TestContext.Current.CancellationToken);

        Assert.Null(files.ChartError);
        Assert.Equal(10, files.Charts.Count); // 2 scenarios: one bar chart and four guest series each
        foreach (var chart in files.Charts)
        {
            var head = new byte[8];
            await using (var stream = File.OpenRead(chart)) await stream.ReadExactlyAsync(head, TestContext.Current.CancellationToken);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], head[..4]);
        }
        var markdown = await File.ReadAllTextAsync(files.Markdown, TestContext.Current.CancellationToken);
        var html = await File.ReadAllTextAsync(files.Html, TestContext.Current.CancellationToken);
        foreach (var chart in RunCharts.Plan(RecordedRun.Load()))
        {
            Assert.True(File.Exists(Path.Combine(_folder, chart.RelativePath)), chart.RelativePath);
            Assert.Contains($"({chart.RelativePath})", markdown);
            Assert.Contains($"src=\"{chart.RelativePath}\"", html);
        }
        Assert.Contains("<h1>Isolation run 20261126-004305-5a3703</h1>", html);
        Assert.DoesNotContain(".tmp", string.Join(",", Directory.GetFiles(_folder)));
    }

    [Fact]
    public async Task Rewrite_takes_a_run_folder_and_writes_beside_its_results()
    {
        File.Copy(RecordedRun.Path, Path.Combine(_folder, "results.json"));
        var files = await RunReports.RewriteAsync(_folder, TestContext.Current.CancellationToken);
        Assert.Equal(Path.Combine(_folder, RunReports.MarkdownFile), files.Markdown);
        Assert.True(File.Exists(files.Html));
    }

    [Fact]
    public async Task The_step_summary_is_appended_only_when_actions_names_a_file()
    {
        var summaryFile = Path.Combine(_folder, "step-summary.md");
        await File.WriteAllTextAsync(summaryFile, "earlier step\n", TestContext.Current.CancellationToken);

        Assert.False(await StepSummary.AppendAsync("# ignored", null, TestContext.Current.CancellationToken));
        Assert.True(await StepSummary.AppendAsync(MarkdownReport.Summary(RecordedRun.Load()), summaryFile, TestContext.Current.CancellationToken));

        var text = await File.ReadAllTextAsync(summaryFile, TestContext.Current.CancellationToken);
        Assert.StartsWith("earlier step\n# Isolation run 20261126-004305-5a3703", text);
    }
}
