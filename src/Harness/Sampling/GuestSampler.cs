using Harness.Remote;

namespace Harness.Sampling;

/// <summary>
/// Keeps one sampler stream open to a guest for its whole life and buffers what arrives, so that any phase
/// (idle baseline, calibration round, measurement window) can take the samples of its own time span.
/// </summary>
public sealed class GuestSampler : IAsyncDisposable
{
    private readonly List<CounterSample> _samples = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private readonly TimeProvider _time;

    public GuestSampler(IRemoteShell shell, SamplerSource source, TimeSpan interval, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Interval = interval;
        _pump = Task.Run(() => PumpAsync(shell, SamplerScript.Command(source, interval), _stop.Token));
    }

    public TimeSpan Interval { get; }

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

    /// <summary>Waits until at least <paramref name="count"/> samples have arrived after <paramref name="after"/>.</summary>
    public async Task WaitForSamplesAsync(DateTimeOffset after, int count, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + Interval * (count + 10) + TimeSpan.FromSeconds(10);
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
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PumpAsync(IRemoteShell shell, string command, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var line in shell.StreamLinesAsync(command, cancellationToken).ConfigureAwait(false))
            {
                var sample = CounterSample.Parse(line, _time.GetUtcNow());
                if (sample is null) continue;
                lock (_gate) _samples.Add(sample);
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
    }

    public async ValueTask DisposeAsync()
    {
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
