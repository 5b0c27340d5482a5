using Harness.Reporting;
using Xunit;

namespace Harness.Tests.Reporting;

public sealed class RunReportsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("harness-reports-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Writes_markdown_html_and_every_linked_chart_into_the_run_folder()
    {
        var files = await RunReports.WriteAllAsync(RecordedRun.Load(), _folder, Ct);

        var charts = files.Where(f => f.StartsWith(Path.Combine(_folder, RunCharts.Folder), StringComparison.Ordinal)).ToList();
        Assert.Equal(10, charts.Count); // 2 scenarios: one bar chart and four guest series each
        foreach (var chart in charts)
        {
            var head = new byte[8];
            await using (var stream = File.OpenRead(chart)) await stream.ReadExactlyAsync(head, Ct);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], head[..4]);
        }
        var markdown = await File.ReadAllTextAsync(Path.Combine(_folder, RunReports.MarkdownFile), Ct);
        var html = await File.ReadAllTextAsync(Path.Combine(_folder, RunReports.HtmlFile), Ct);
        foreach (var chart in RunCharts.Plan(RecordedRun.Load()))
        {
            Assert.True(File.Exists(Path.Combine(_folder, chart.RelativePath)), chart.RelativePath);
            Assert.Contains($"({chart.RelativePath})", markdown);
            Assert.Contains($"src=\"{chart.RelativePath}\"", html);
        }
        Assert.DoesNotContain("could not be drawn", markdown);
        Assert.Contains("<h1>Isolation run 20261126-004305-5a3703</h1>", html);
        Assert.DoesNotContain(".tmp", string.Join(",", Directory.GetFiles(_folder)));
    }

    [Fact]
    public async Task Rewrite_takes_a_run_folder_and_writes_beside_its_results()
    {
        File.Copy(RecordedRun.Path, Path.Combine(_folder, "results.json"));
        var files = await RunReports.RewriteAsync(_folder, RunReports.Default, Ct);
        Assert.Contains(Path.Combine(_folder, RunReports.MarkdownFile), files);
        Assert.True(File.Exists(Path.Combine(_folder, RunReports.HtmlFile)));
    }

    [Fact]
    public async Task A_custom_exporter_gets_the_runs_record_and_a_throwing_one_is_named_while_the_others_still_write()
    {
        var record = RecordedRun.Load();
        var custom = new RecordingExporter();

        var e = await Assert.ThrowsAsync<ExportException>(() =>
            RunReports.WriteAllAsync(record, _folder, [new ThrowingExporter(), .. RunReports.Default, custom], Ct));

        Assert.Same(record, custom.Record);
        Assert.Equal(_folder, custom.Folder);
        Assert.Equal(["broken"], e.Failed);
        Assert.Contains("exporter 'broken' failed: IOException: disk full", e.Message);
        Assert.Contains(Path.Combine(_folder, "custom.txt"), e.Written);
        Assert.Contains(Path.Combine(_folder, RunReports.MarkdownFile), e.Written);
        Assert.True(File.Exists(Path.Combine(_folder, RunReports.HtmlFile)));
        Assert.Equal(record.RunId, await File.ReadAllTextAsync(Path.Combine(_folder, "custom.txt"), Ct));
    }

    [Fact]
    public async Task Reports_link_only_the_charts_that_were_drawn_and_say_how_many_are_missing()
    {
        var record = RecordedRun.Load();
        var files = await RunReports.WriteAllAsync(record, _folder, RunReports.Default.Where(x => x.Name != "charts"), Ct);

        Assert.Equal(2, files.Count);
        var markdown = await File.ReadAllTextAsync(Path.Combine(_folder, RunReports.MarkdownFile), Ct);
        Assert.DoesNotContain(".png", markdown);
        Assert.Contains($"> {RunCharts.Plan(record).Count} chart(s) could not be drawn", markdown);
    }

    private sealed class RecordingExporter : IExporter
    {
        public RunRecord? Record { get; private set; }

        public string? Folder { get; private set; }

        public string Name => "custom";

        public async Task<IReadOnlyList<string>> ExportAsync(RunRecord record, string runFolder, CancellationToken cancellationToken)
        {
            (Record, Folder) = (record, runFolder);
            var path = Path.Combine(runFolder, "custom.txt");
            await File.WriteAllTextAsync(path, record.RunId, cancellationToken);
            return [path];
        }
    }

    private sealed class ThrowingExporter : IExporter
    {
        public string Name => "broken";

        public Task<IReadOnlyList<string>> ExportAsync(RunRecord record, string runFolder, CancellationToken cancellationToken) =>
            throw new IOException("disk full");
    }

    [Fact]
    public async Task The_step_summary_is_appended_only_when_actions_names_a_file()
    {
        var summaryFile = Path.Combine(_folder, "step-summary.md");
        await File.WriteAllTextAsync(summaryFile, "earlier step\n", TestContext.Current.CancellationToken);

        Assert.False(await StepSummary.AppendAsync("# ignored", null, TestContext.Current.CancellationToken));
        Assert.Empty(await StepSummary.Exporter(null).ExportAsync(RecordedRun.Load(), _folder, Ct));
        Assert.Equal([summaryFile], await StepSummary.Exporter(summaryFile).ExportAsync(RecordedRun.Load(), _folder, Ct));

        var text = await File.ReadAllTextAsync(summaryFile, TestContext.Current.CancellationToken);
        Assert.StartsWith("earlier step\n# Isolation run 20261126-004305-5a3703", text);
    }
}
