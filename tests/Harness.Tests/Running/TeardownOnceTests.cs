using System.Diagnostics;
using Harness.Configuration;
using Harness.Running;
using Xunit;

namespace Harness.Tests.Running;

/// <summary>
/// A run tears down exactly once, whoever asks first (the fixture, a stop signal, both), within its time limit,
/// with its failures reported; and a results folder that cannot be written never leaves the guests behind.
/// </summary>
public sealed class TeardownOnceTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("harness-teardown-once-").FullName;
    private readonly Harness.Tests.SyncLog _log = new();

    private HarnessOptions Options(string? output = null) =>
        OptionsLoader.Load(new Dictionary<string, string>(), 2) with { GuestCount = 0, OutputDirectory = output ?? _output };

    [Fact]
    public async Task Dispose_and_a_signal_at_once_wait_for_one_and_the_same_teardown()
    {
        var ct = TestContext.Current.CancellationToken;
        var backend = new FakeBackend();
        var session = await IsolationSession.StartAsync(Options(), backend, _log.Add, ct);

        var first = session.DisposeAsync().AsTask();
        var signal = Task.Run(() => session.DisposeAsync().AsTask(), ct);
        var second = session.DisposeAsync().AsTask();
        await WaitUntilAsync(() => backend.Teardowns == 1, ct);
        Assert.False(second.IsCompleted, "a second dispose returned while the teardown was still running");
        Assert.False(signal.IsCompleted);

        backend.Release.SetResult();
        await Task.WhenAll(first, second, signal).WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal(1, backend.Teardowns);
        Assert.True(File.Exists(Path.Combine(_output, session.Record.RunId, "summary.txt")));
    }

    [Fact]
    public async Task A_results_folder_that_cannot_be_written_still_tears_the_testbed_down()
    {
        var ct = TestContext.Current.CancellationToken;
        var notAFolder = Path.Combine(_output, "file");
        await File.WriteAllTextAsync(notAFolder, "", ct);
        var backend = new FakeBackend();
        backend.Release.SetResult();

        await Assert.ThrowsAnyAsync<IOException>(() => IsolationSession.StartAsync(Options(notAFolder), backend, _log.Add, ct));
        Assert.Equal(1, backend.Teardowns);
        Assert.Contains(_log.Lines, l => l.Contains("results cannot be written", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_saves_of_one_run_do_not_trip_over_each_other()
    {
        var ct = TestContext.Current.CancellationToken;
        var backend = new FakeBackend();
        backend.Release.SetResult();
        await using var session = await IsolationSession.StartAsync(Options(), backend, _log.Add, ct);
        await Parallel.ForAsync(0, 200, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = 4 }, (_, _) =>
        {
            session.SaveResults();
            return ValueTask.CompletedTask;
        });
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(session.ResultsPath)!, "*.tmp"));
    }

    [Fact]
    public void A_teardown_that_blocks_is_abandoned_at_its_limit_and_reported()
    {
        var log = new Harness.Tests.SyncLog();
        using var hang = new ManualResetEventSlim();
        using var onExit = new TeardownOnExit(() =>
        {
            hang.Wait(TimeSpan.FromSeconds(30)); // blocks before returning any task
            return Task.CompletedTask;
        }, TimeSpan.FromMilliseconds(200), log.Add);

        var clock = Stopwatch.StartNew();
        onExit.RunNow();
        hang.Set();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the signal waited {clock.Elapsed} for a 0.2 s limit");
        Assert.Contains(log.Lines, l => l.Contains("did not finish within 0.2 s", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_teardown_is_reported()
    {
        var log = new Harness.Tests.SyncLog();
        using var onExit = new TeardownOnExit(() => Task.FromException(new IOException("engine gone")), TimeSpan.FromSeconds(5), log.Add);
        onExit.RunNow();
        Assert.Contains(log.Lines, l => l.Contains("teardown failed: engine gone", StringComparison.Ordinal));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition()) await Task.Delay(10, limit.Token);
    }

    public void Dispose() => Directory.Delete(_output, recursive: true);
}
