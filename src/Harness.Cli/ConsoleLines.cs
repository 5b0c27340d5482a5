using Harness.Testbeds;
using Spectre.Console;

namespace Harness.Cli;

/// <summary>
/// Lines written past the console's width: progress and findings are read by scripts and CI logs, where Spectre's
/// default width (80 columns without a terminal) would break one message across lines and defeat a grep.
/// </summary>
internal static class ConsoleLines
{
    public static void Line(this IAnsiConsole console, string line) => console.Profile.Out.Writer.WriteLine(line);

    /// <summary>A progress sink that writes each message as one line.</summary>
    public static ProgressSink Sink(this IAnsiConsole console, string prefix = "") => m => console.Line(prefix + m);
}
