using System.CommandLine;
using Harness.Reporting;
using Spectre.Console;

namespace Harness.Cli.Commands;

/// <summary><c>report RUN</c>: (re)writes report.md, report.html and charts/ next to results.json.</summary>
internal static class ReportCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var run = new Argument<string>("run") { Description = "results.json or its folder" };
        var stepSummary = Cli.StepSummary();
        var command = new Command("report", "writes report.md, report.html and charts/ next to results.json") { run, stepSummary };
        command.SetAction(async (parsed, ct) =>
        {
            var path = RunReports.ResultsPath(parsed.GetRequiredValue(run));
            var files = await RunReports.RewriteAsync(path, ct);
            console.MarkupLine($"wrote [bold]{Markup.Escape(files.Markdown)}[/], [bold]{Markup.Escape(files.Html)}[/] and {files.Charts.Count} chart(s)");
            if (files.ChartError is not null) console.MarkupLine($"[yellow]{Markup.Escape(files.ChartError)}[/]");
            if (parsed.GetValue(stepSummary) && await StepSummary.AppendAsync(RunRecord.Load(path), ct))
            {
                console.MarkupLine($"appended the summary to ${StepSummary.Variable}");
            }
            return 0;
        });
        return command;
    }
}
