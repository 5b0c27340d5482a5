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
            IReadOnlyList<IExporter> exporters = parsed.GetValue(stepSummary)
                ? [.. RunReports.Default, StepSummary.Exporter(Environment.GetEnvironmentVariable(StepSummary.Variable))]
                : RunReports.Default;
            try
            {
                var files = await RunReports.RewriteAsync(parsed.GetRequiredValue(run), exporters, ct);
                console.MarkupLine($"wrote {Markup.Escape(Written(files))}");
                return 0;
            }
            catch (ExportException e)
            {
                console.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
                if (e.Written.Count > 0) console.MarkupLine($"wrote {Markup.Escape(Written(e.Written))}");
                return 1;
            }
        });
        return command;
    }

    private static string Written(IReadOnlyList<string> files)
    {
        var charts = files.Count(f => Path.GetFileName(Path.GetDirectoryName(f)) == RunCharts.Folder);
        return string.Join(", ", files.Where(f => Path.GetFileName(Path.GetDirectoryName(f)) != RunCharts.Folder).Append($"{charts} chart(s)"));
    }
}
