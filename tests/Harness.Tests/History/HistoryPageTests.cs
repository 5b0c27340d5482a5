using Harness.Analysis;
using Harness.History;
using Xunit;

namespace Harness.Tests.History;

public sealed class HistoryPageTests
{
    [Fact]
    public async Task The_page_marks_the_change_point_and_the_configuration_change_with_one_chart_per_metric()
    {
        var ct = TestContext.Current.CancellationToken;
        var analysis = HistoryAnalysis.Analyse(
            RunHistory.Of(SyntheticHistory.Make(40, ("quick-a", "S1", Metric.Slowdown, 25, 12), upgradeAt: 25)), [], new DateOnly(2026, 11, 26));
        var folder = Directory.CreateTempSubdirectory("history-page-").FullName;
        var page = Path.Combine(folder, "history.html");

        var charts = await HistoryPage.WriteAsync(analysis, page, ct);

        Assert.Equal(2 * 5, charts.Count); // scenarios × metrics, each with a line per guest
        Assert.All(charts, c => Assert.True(new FileInfo(Path.Combine(folder, c.RelativePath)).Length > 1000, c.RelativePath));
        var html = await File.ReadAllTextAsync(page, ct);
        Assert.StartsWith("FAIL: 1 change point(s) not acknowledged", HistoryPage.Headline(analysis));
        Assert.Contains($"{SyntheticHistory.RunId(24)} → {SyntheticHistory.RunId(25)}", html);
        Assert.Contains("pve-manager 8.4.1 → 9.0.3", html);
        Assert.Contains("<h2>Configuration changes</h2>", html);
        Assert.Contains($"<td>{SyntheticHistory.RunId(25)}</td>", html);
        Assert.DoesNotContain("charts not drawn", html);

        var markdown = HistoryPage.Markdown(analysis);
        Assert.Contains("| quick-a | S1 | slowdown % |", markdown);
        Assert.Contains("| NEW |", markdown);
    }
}
