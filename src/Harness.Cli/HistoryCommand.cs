using System.CommandLine;
using Harness.History;
using Harness.Reporting;
using Spectre.Console;

namespace Harness.Cli;

/// <summary><c>history FOLDER</c>: change points over a folder of runs, a page of trend charts, exit 4 on an unacknowledged one.</summary>
internal static class HistoryCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var folder = new Argument<string>("folder") { Description = "a folder of runs, each subfolder holding a results.json" };
        var output = new Option<string?>("--out") { Description = "the page to write (default FOLDER/history.html)" };
        var acknowledged = new Option<string?>("--acknowledgements") { Description = "YAML file of known changes, each with a reason and an expiry date" };
        var stepSummary = Commands.Cli.StepSummary();
        var command = new Command("history",
            "change points per scenario, guest and metric over a folder of runs, and a page of trend charts; exit 0: none unacknowledged, 4: a change point no unexpired acknowledgement covers, 2: bad arguments or files")
            { folder, output, acknowledged, stepSummary };
        command.SetAction((parsed, ct) => RunAsync(parsed.GetRequiredValue(folder), parsed.GetValue(output), parsed.GetValue(acknowledged),
            parsed.GetValue(stepSummary), console, ct));
        return command;
    }

    private static async Task<int> RunAsync(string folder, string? output, string? acknowledgementsFile, bool stepSummary, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var page = output ?? Path.Combine(folder, "history.html");
        IReadOnlyList<Acknowledgement> acknowledgements = acknowledgementsFile is null ? [] : Acknowledgement.Load(acknowledgementsFile);
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
