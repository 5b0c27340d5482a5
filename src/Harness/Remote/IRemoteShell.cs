using System.Threading.Channels;

namespace Harness.Remote;

public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>Runs commands inside a guest. Backends differ in how they reach a guest, not in what they run.</summary>
public interface IRemoteShell : IAsyncDisposable
{
    Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a long-lived command and yields its standard output line by line until it ends or is cancelled.
    /// Lines written to <paramref name="input"/> go to the command's standard input as they come; its completion
    /// closes that input.
    /// </summary>
    IAsyncEnumerable<string> StreamLinesAsync(string command, ChannelReader<string> input, CancellationToken cancellationToken);
}
