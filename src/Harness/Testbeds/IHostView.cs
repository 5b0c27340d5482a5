using Harness.Analysis;

namespace Harness.Testbeds;

/// <summary>
/// A witness outside the guests: the host's own figures of each guest, read at the same segment edges as the
/// in-guest sampler. A host that cannot be read answers with the reason, never with zeros and never by throwing.
/// </summary>
public interface IHostView : IAsyncDisposable
{
    /// <summary>The host's counters of the guest now; an edge with <see cref="HostEdge.Unavailable"/> set when there are none.</summary>
    Task<HostEdge> ReadAsync(IGuest guest, CancellationToken cancellationToken);

    /// <summary>What the host saw of the guest between two edges.</summary>
    HostSegmentValues Between(IGuest guest, HostEdge start, HostEdge end);

    /// <summary>The whole host's busy CPU time now, or null when this view cannot see the whole host.</summary>
    Task<HostBusy?> ReadHostAsync(CancellationToken cancellationToken) => Task.FromResult<HostBusy?>(null);

    /// <summary>
    /// CPU the host spent outside every guest between two readings, % of one CPU: its busy time less each guest's
    /// (<paramref name="guests"/>: every guest's edges over the same stretch). Null when either side is unknown.
    /// </summary>
    double? OutsideCpuPercent(HostBusy start, HostBusy end, IReadOnlyList<(HostEdge Start, HostEdge End)> guests) => null;

    /// <summary>
    /// For a host that gives its busy CPU only as rates over spans it alone knows (a Proxmox node), so that it cannot
    /// be split per segment: the CPU it spent outside every guest from <paramref name="from"/> until now, % of one
    /// CPU, waiting a bounded time for enough of its values. Null when it cannot tell.
    /// </summary>
    Task<double?> OutsideCpuPercentAsync(DateTimeOffset from, CancellationToken cancellationToken) => Task.FromResult<double?>(null);
}

/// <summary>A testbed without a host view (static guests on any hypervisor): every segment says why.</summary>
public sealed class NoHostView(string reason, TimeProvider? time = null) : IHostView
{
    public string Reason { get; } = reason;

    public Task<HostEdge> ReadAsync(IGuest guest, CancellationToken cancellationToken) =>
        Task.FromResult(HostEdge.Missing((time ?? TimeProvider.System).GetUtcNow(), Reason));

    public HostSegmentValues Between(IGuest guest, HostEdge start, HostEdge end) => HostSegmentValues.Missing(Reason);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
