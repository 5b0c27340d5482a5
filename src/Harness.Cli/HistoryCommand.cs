using Harness.History;
using Harness.Reporting;
using Spectre.Console;

namespace Harness.Cli;

/// <summary><c>history FOLDER</c>: change points over a folder of runs, a page of trend charts, exit 4 on an unacknowledged one.</summary>
internal static class HistoryCommand
{
    public const string Usage = """
          history <folder of runs> [--out PAGE.html] [--acknowledgements FILE.yaml] [--step-summary]
              change points per scenario, guest and metric over the runs (each subfolder holding a results.json),
              a page of trend charts (default FOLDER/history.html); exit 0: none unacknowledged; 4: a change point
              no unexpired acknowledgement covers; 2: bad arguments or files
        """;

    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        if (args is not [var folder, .. var rest] || folder.StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException("history needs a folder of runs: history <folder> [--out PAGE.html] [--acknowledgements FILE.yaml] [--step-summary]");
        }
        var page = Path.Combine(folder, "history.html");
        IReadOnlyList<Acknowledgement> acknowledgements = [];
        var stepSummary = false;
        for (var i = 0; i < rest.Length; i++)
        {
            switch (rest[i])
            {
                case "--out" when i + 1 < rest.Length:
                    page = rest[++i];
                    break;
                case "--acknowledgements" when i + 1 < rest.Length:
                    acknowledgements = Acknowledgement.Load(rest[++i]);
                    break;
                case "--step-summary":
                    stepSummary = true;
                    break;
                default:
                    throw new ArgumentException($"history: '{rest[i]}' is not understood; use --out PAGE.html, --acknowledgements FILE.yaml, --step-summary");
            }
        }
        var analysis = HistoryAnalysis.Analyse(RunHistory.Load(folder), acknowledgements, DateOnly.FromDateTime(DateTime.UtcNow));
        var charts = await HistoryPage.WriteAsync(analysis, page, cancellationToken);
        foreach (var skipped in analysis.History.Skipped) console.MarkupLine($"[yellow]not read: {Markup.Escape(skipped)}[/]");
        foreach (var c in analysis.Changes)
        {
            var colour = c.Status == ChangeStatus.Acknowledged ? "grey" : "red";
            console.MarkupLine($"[{colour}]{Markup.Escape($"{c.Key}: {c.Change.MeanBefore:0.0} → {c.Change.MeanAfter:0.0} between {c.RunBefore} and {c.RunAfter} ({c.Status}); changed: {c.Difference}")}[/]");
        }
        console.MarkupLine($"wrote [bold]{Markup.Escape(page)}[/] with {charts.Count} chart(s)");
        console.MarkupLine(analysis.ExitCode == HistoryAnalysis.ExitOk ? $"[green bold]{Markup.Escape(HistoryPage.Headline(analysis))}[/]" : $"[red bold]{Markup.Escape(HistoryPage.Headline(analysis))}[/]");
        if (stepSummary) await StepSummary.AppendAsync(HistoryPage.Markdown(analysis), Environment.GetEnvironmentVariable(StepSummary.Variable), cancellationToken);
        return analysis.ExitCode;
    }
}
