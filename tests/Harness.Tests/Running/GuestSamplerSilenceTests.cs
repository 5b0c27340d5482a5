using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Harness.Remote;
using Harness.Sampling;
using Xunit;

namespace Harness.Tests.Running;

public sealed class GuestSamplerSilenceTests
{
    [Fact]
    public async Task A_guest_silent_for_longer_than_its_allowed_silence_is_lost_and_the_message_says_how_long()
    {
        await using var sampler = new GuestSampler(new MuteShell(), SamplerSource.Cgroup, TimeSpan.FromSeconds(1), ["stress-ng"], silence: TimeSpan.FromSeconds(5));
        var ct = TestContext.Current.CancellationToken;

        var waited = await Assert.ThrowsAsync<GuestLostException>(() => sampler.WaitForSamplesAsync(DateTimeOffset.UtcNow, 1, ct));
        Assert.Contains("no sampler output for", waited.Message);
        // 5 s of silence is one 5 s snapshot request, not the default's six.
        var snapshot = await Assert.ThrowsAsync<GuestLostException>(() => sampler.SnapshotAsync(ct));
        Assert.Contains("none of 1 snapshot requests within 5 s each", snapshot.Message);
    }

    /// <summary>A guest whose sampler stream stays open and prints nothing, like a saturated TCG guest for a while.</summary>
    private sealed class MuteShell : IRemoteShell
    {
        public Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken) => Task.FromResult(new CommandResult(0, "", ""));

        public async IAsyncEnumerable<string> StreamLinesAsync(
            string command, ChannelReader<string> input, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
