using System.CommandLine;
using Harness.Reporting.Comparison;
using Spectre.Console;

namespace Harness.Cli;

/// <summary>The command line: one registration line per command, each command in its own file under Commands/.</summary>
public static class CliApp
{
    private static readonly Func<IAnsiConsole, Command>[] Registered =
    [
        Commands.CompareCommand.Create,
        Commands.ReportCommand.Create,
        Commands.BenchmarkCommand.Create,
        Commands.HarnessCostCommand.Create,
        Commands.ProvisionCommand.Create,
        Commands.ReapProxmoxCommand.Create,
        Commands.DoctorCli.Create,
        HistoryCommand.Create,
    ];

    public static RootCommand Build(IAnsiConsole console)
    {
        var root = new RootCommand("Proxmox isolation harness: compare runs, write reports, benchmark the gate, provision and reap testbeds.");
        foreach (var create in Registered) root.Add(create(console));
        return root;
    }

    /// <returns>The command's exit code; <see cref="RunComparison.ExitUsage"/> for a command line or input file it cannot use.</returns>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var root = Build(console);
        var parsed = root.Parse(args);
        var command = parsed.CommandResult.Command;
        if (parsed.Errors.Count > 0) return UsageError(console, string.Join(Environment.NewLine, parsed.Errors.Select(e => e.Message)), root, command);
        using var help = new StringWriter();
        try
        {
            // The harness handles SIGTERM/SIGINT itself (it tears the testbed down first), so the parser must not.
            var exit = await parsed.InvokeAsync(
                new InvocationConfiguration { Output = help, Error = help, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
                cancellationToken);
            if (help.ToString() is { Length: > 0 } text) console.WriteLine(text);
            return exit;
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
                                      or System.Text.Json.JsonException or Configuration.HarnessConfigurationException)
        {
            return UsageError(console, e.Message, root, command);
        }
    }

    /// <summary>What is wrong, then the help of the command it concerns.</summary>
    private static int UsageError(IAnsiConsole console, string message, RootCommand root, Command command)
    {
        console.MarkupLine($"[red]{Markup.Escape(message)}[/]");
        using var help = new StringWriter();
        root.Parse(command == root ? ["--help"] : [command.Name, "--help"]).Invoke(new InvocationConfiguration { Output = help });
        console.WriteLine(help.ToString());
        return RunComparison.ExitUsage;
    }
}
