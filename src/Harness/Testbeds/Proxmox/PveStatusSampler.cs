using Harness.Pve;

namespace Harness.Testbeds.Proxmox;

/// <summary>
/// One hypervisor-side reading of a guest (status/current). Cpu is the QEMU process's share of the guest's own vCPUs
/// (1.0 = all busy, QEMU's I/O threads included); memory in bytes as PVE reports it.
/// </summary>
public sealed record PveStatusSample(DateTimeOffset At, string Guest, string Status, double Cpu, int Cpus, long Mem, long MaxMem, PvePressure? Pressure = null)
{
    /// <summary>CPU in percent of the guest's vCPUs, comparable to the in-guest figure when no cpulimit applies.</summary>
    public double CpuPercent => Cpu * 100;

    public double MemPercent => MaxMem > 0 ? 100.0 * Mem / MaxMem : 0;
}

/// <summary>One reading of a node's status: Cpu is the share of its Cpus busy (NaN when the reading failed).</summary>
public sealed record PveNodeSample(DateTimeOffset At, string Node, double Cpu, int Cpus);

/// <summary>
/// Reads status/current of every guest each interval, next to the in-guest sampler, so the two views can be cross-checked.
/// PVE computes cpu against the previous call of the same daemon worker, so the first readings are 0 or stale: discard warm-up.
/// A failed reading is recorded as a gap (status "error: …"), never thrown: host-side sampling must not end a run.
/// </summary>
public sealed class PveStatusSampler : IAsyncDisposable
{
    private readonly IPveClient _client;
    private readonly IReadOnlyList<(string Guest, PveGuestRef Ref)> _guests;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly List<PveStatusSample> _samples = [];
    private readonly List<PveNodeSample> _nodeSamples = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    private PveStatusSampler(IPveClient client, IReadOnlyList<(string, PveGuestRef)> guests, TimeSpan interval, TimeProvider time)
    {
        _client = client;
        _guests = guests;
        _interval = interval;
        _time = time;
    }

    public static PveStatusSampler Start(IPveClient client, IReadOnlyList<(string Guest, PveGuestRef Ref)> guests, TimeSpan interval, TimeProvider? time = null)
    {
        var sampler = new PveStatusSampler(client, guests, interval, time ?? TimeProvider.System);
        sampler._loop = Task.Run(() => sampler.LoopAsync(sampler._stop.Token));
        return sampler;
    }

    /// <summary>Everything recorded so far, oldest first.</summary>
    public IReadOnlyList<PveStatusSample> Samples
    {
        get
        {
            lock (_gate) return _samples.ToList();
        }
    }

    /// <summary>Every reading of the guests' nodes so far, oldest first (one per node per interval).</summary>
    public IReadOnlyList<PveNodeSample> NodeSamples
    {
        get
        {
            lock (_gate) return _nodeSamples.ToList();
        }
    }

    public IReadOnlyList<PveStatusSample> SamplesOf(string guest, DateTimeOffset from, DateTimeOffset to) =>
        Samples.Where(s => s.Guest == guest && s.At >= from && s.At <= to).ToList();

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>
    /// Reads one guest now and records it beside the periodic readings (a segment edge): PVE's cpu is measured
    /// against the previous call, so a reading at the segment's start makes the next one cover the segment alone
    /// when the same API worker answers both. Never throws but on cancellation; a failure is a recorded gap.
    /// </summary>
    public async Task<PveStatusSample> ReadNowAsync(string guest, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var reference = _guests.First(g => g.Guest == guest).Ref;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var sample = await ReadAsync(guest, reference, limit.Token).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return sample ?? throw new OperationCanceledException("the status sampler was stopped");
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        do
        {
            foreach (var (guest, reference) in _guests)
            {
                if (await ReadAsync(guest, reference, cancellationToken).ConfigureAwait(false) is null) return;
            }
            foreach (var node in _guests.Select(g => g.Ref.Node).Distinct(StringComparer.Ordinal))
            {
                if (!await ReadNodeAsync(node, cancellationToken).ConfigureAwait(false)) return;
            }
        }
        while (await WaitAsync(timer, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>One reading, recorded; null only when <paramref name="cancellationToken"/> was the caller's own stop.</summary>
    private async Task<PveStatusSample?> ReadAsync(string guest, PveGuestRef reference, CancellationToken cancellationToken)
    {
        PveStatusSample sample;
        try
        {
            var s = await _client.GetStatusAsync(reference, cancellationToken).ConfigureAwait(false);
            sample = new PveStatusSample(_time.GetUtcNow(), guest, s.Status, s.Cpu, s.Cpus, s.Mem, s.MaxMem, s.Pressure);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e)
        {
            sample = new PveStatusSample(_time.GetUtcNow(), guest, "error: " + e.Message, double.NaN, 0, 0, 0);
        }
        lock (_gate) _samples.Add(sample);
        return sample;
    }

    /// <summary>One reading of a node, recorded (a failure as NaN); false only when the sampler was stopped.</summary>
    private async Task<bool> ReadNodeAsync(string node, CancellationToken cancellationToken)
    {
        PveNodeSample sample;
        try
        {
            var s = await _client.GetNodeStatusAsync(node, cancellationToken).ConfigureAwait(false);
            sample = new PveNodeSample(_time.GetUtcNow(), node, s.Cpu, s.CpuCount);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception)
        {
            sample = new PveNodeSample(_time.GetUtcNow(), node, double.NaN, 0);
        }
        lock (_gate) _nodeSamples.Add(sample);
        return true;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
