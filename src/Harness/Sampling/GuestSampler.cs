using System.Collections.Concurrent;
using System.Threading.Channels;
using Harness.Remote;

namespace Harness.Sampling;

/// <summary>
/// Keeps one sampler stream open to a guest for its whole life and buffers what arrives, so that any phase
/// (idle baseline, calibration round, measurement segment) can take the samples of its own time span, and takes
/// counter snapshots at segment edges through the same stream.
/// </summary>
public sealed class GuestSampler : IAsyncDisposable
{
    private static readonly TimeSpan SnapshotAttempt = TimeSpan.FromSeconds(5);

    /// <summary>How long a guest's sampler may stay silent before the guest counts as lost, unless told otherwise.</summary>
    public static readonly TimeSpan DefaultSilence = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _silence;
    private readonly int _snapshotAttempts;

    private readonly List<CounterSample> _samples = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<string> _requests = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, TaskCompletionSource<CounterSample>> _pending = new();
    private readonly Task _pump;
    private readonly TimeProvider _time;
    private long _nextRequest;
    private int _resentRequests;

    /// <param name="silence">
    /// How long the sampler may stay silent before the guest counts as lost (default <see cref="DefaultSilence"/>). A
    /// TCG VM whose one vCPU is saturated can print nothing for over 30 s and then carry on.
    /// </param>
    public GuestSampler(IRemoteShell shell, SamplerSource source, TimeSpan interval, IEnumerable<string> loadProcessNames, TimeProvider? time = null, TimeSpan? silence = null)
    {
        _time = time ?? TimeProvider.System;
        _silence = silence ?? DefaultSilence;
        _snapshotAttempts = Math.Max(1, (int)Math.Ceiling(_silence / SnapshotAttempt));
        Interval = interval;
        var command = SamplerScript.Command(source, interval, loadProcessNames);
        _pump = Task.Run(() => PumpAsync(shell, command, _stop.Token));
    }

    public TimeSpan Interval { get; }

    /// <summary>Snapshot requests that went unanswered and were asked again.</summary>
    public int ResentRequests => _resentRequests;

    /// <summary>Why the stream ended before it was disposed, if it did.</summary>
    public string? Failure { get; private set; }

    public CounterSample? Latest
    {
        get { lock (_gate) return _samples.Count > 0 ? _samples[^1] : null; }
    }

    /// <summary>Samples received in [from, to], in order.</summary>
    public IReadOnlyList<CounterSample> Between(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_gate) return _samples.Where(s => s.ReceivedAt >= from && s.ReceivedAt <= to).ToArray();
    }

    /// <summary>
    /// Asks the running sampler for a line now and returns it: a segment edge at no extra process in the guest.
    /// A request can be lost (a read that times out half-way through the line keeps what it had read), so an
    /// unanswered one is asked again under a new number before the guest counts as lost.
    /// </summary>
    public async Task<CounterSample> SnapshotAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (Failure is not null) throw new GuestLostException(Failure);
            var id = Interlocked.Increment(ref _nextRequest);
            var answer = new TaskCompletionSource<CounterSample>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = answer;
            try
            {
                await _requests.Writer.WriteAsync(id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
                return await answer.Task.WaitAsync(SnapshotAttempt, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException) when (attempt < _snapshotAttempts)
            {
                Interlocked.Increment(ref _resentRequests);
            }
            catch (TimeoutException)
            {
                var last = Latest is { } l ? $"; its last line came {(_time.GetUtcNow() - l.ReceivedAt).TotalSeconds:0.0} s ago" : "";
                throw new GuestLostException(Failure ?? $"the sampler answered none of {_snapshotAttempts} snapshot requests within {SnapshotAttempt.TotalSeconds:0} s each{last}");
            }
            finally
            {
                _pending.TryRemove(id, out _);
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> samples have arrived after <paramref name="after"/>.</summary>
    public async Task WaitForSamplesAsync(DateTimeOffset after, int count, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + Interval * count + _silence;
        while (true)
        {
            lock (_gate)
            {
                if (_samples.Count(s => s.ReceivedAt > after) >= count) return;
            }
            if (Failure is not null) throw new GuestLostException(Failure);
            if (_time.GetUtcNow() > deadline)
            {
                throw new GuestLostException($"no sampler output for {(_time.GetUtcNow() - after).TotalSeconds:0} s");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PumpAsync(IRemoteShell shell, string command, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var line in shell.StreamLinesAsync(command, _requests.Reader, cancellationToken).ConfigureAwait(false))
            {
                var sample = CounterSample.Parse(line, _time.GetUtcNow());
                if (sample is null) continue;
                lock (_gate) _samples.Add(sample);
                if (sample["req"] is { } id && _pending.TryGetValue(id, out var waiting)) waiting.TrySetResult(sample);
            }
            if (!cancellationToken.IsCancellationRequested) Failure = "the sampler stream ended (guest gone or SSH dropped)";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Failure = $"the sampler stream failed: {e.Message}";
        }
        finally
        {
            foreach (var waiting in _pending.Values) waiting.TrySetException(new GuestLostException(Failure ?? "the sampler stopped"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pump.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The SSH client is disposed by the guest right after; that ends the stream.
        }
        _stop.Dispose();
    }
}

/// <summary>A guest stopped answering (container killed, VM stopped, SSH dropped).</summary>
public sealed class GuestLostException(string reason) : Exception(reason);
