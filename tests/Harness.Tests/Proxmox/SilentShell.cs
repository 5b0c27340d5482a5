using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Harness.Remote;

namespace Harness.Tests.Proxmox;

/// <summary>A guest shell for provisioning tests that never reach a guest: every command succeeds with no output.</summary>
internal sealed class SilentShell : IRemoteShell
{
    public Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken) => Task.FromResult(new CommandResult(0, "", ""));

    public async IAsyncEnumerable<string> StreamLinesAsync(
        string command, ChannelReader<string> input, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield break;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
