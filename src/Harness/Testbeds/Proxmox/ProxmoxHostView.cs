using Harness.Analysis;
using Harness.Pve;

namespace Harness.Testbeds.Proxmox;

/// <summary>
/// The node's view of each guest: status/current, read every sample interval and at every segment edge. PVE's cpu
/// is the guest's CPU time since the call that last computed it, over the guest's vCPUs; a call soon after that one
/// gets the same value again instead of a new one. So a reading that repeats the one before it carries nothing new,
/// and a new value stands for the time since the reading that brought the value before it; a segment takes every
/// value whose span overlaps it, weighted by the overlap. The sampler starts at the first edge, so provisioning
/// sends no status calls of its own.
/// </summary>
internal sealed class ProxmoxHostView(IPveClient client, Func<IReadOnlyList<ProxmoxGuest>> guests, TimeSpan interval) : IHostView
{
    // An edge must not hold a segment up for long; a reading that misses it leaves a gap the periodic ones fill.
    private static readonly TimeSpan EdgeTimeout = TimeSpan.FromSeconds(3);

    // How often an edge asks again while the node still answers the value it computed before the edge.
    private static readonly TimeSpan FreshPoll = TimeSpan.FromMilliseconds(100);

    // PVE computes a node's cpu from /proc/stat only once at least 1000 clock ticks (100 per second) have passed
    // over all its CPUs since the answering API worker last did, and repeats the old value until then; each of
    // pveproxy's workers (3 by default) keeps its own (pve-common ProcFSTools read_proc_stat; pve-manager
    // pveproxy max_workers). So a value covers a span of at least 10 s / CPUs ending when it was read and
    // starting when that worker last computed; which worker answered is not known. Over a stretch those spans
    // average out; per segment they cannot be told apart.
    private const double NodeTicksPerComputation = 1000, ClockTicksPerSecond = 100;

    // How long an outside figure waits for values past the settling part of its stretch.
    private static readonly TimeSpan OutsideWait = TimeSpan.FromSeconds(30);

    // A worker's first value after the harness starts asking covers everything since it was last asked, which may
    // be minutes ago; polled once a second at random, every one of 3 workers has computed within this (each is
    // missed by ten calls in a row 1.7% of the time).
    private static readonly TimeSpan WorkersWarm = TimeSpan.FromSeconds(12);

    private readonly Lock _gate = new();
    private PveStatusSampler? _sampler;
    private DateTimeOffset _samplingSince;

    public async Task<HostEdge> ReadAsync(IGuest guest, CancellationToken cancellationToken)
    {
        var sampler = Sampler();
        var deadline = DateTimeOffset.UtcNow + EdgeTimeout;
        var before = sampler.Samples.LastOrDefault(s => s.Guest == guest.Name);
        var sample = await sampler.ReadNowAsync(guest.Name, EdgeTimeout, cancellationToken).ConfigureAwait(false);
        // An edge must be a value the node computed at the edge: a repeated one still covers time before it (the
        // state the guests were in before this segment), and the value after it would then reach back across the
        // edge. Segment edges are read before the guests' state changes and after it settles, so waiting here keeps
        // the span between edges in one state.
        while (before is not null && IsRepeat(before, sample) && DateTimeOffset.UtcNow + FreshPoll < deadline)
        {
            await Task.Delay(FreshPoll, cancellationToken).ConfigureAwait(false);
            before = sample;
            sample = await sampler.ReadNowAsync(guest.Name, EdgeTimeout, cancellationToken).ConfigureAwait(false);
        }
        return new HostEdge(sample.At, new Dictionary<string, long>());
    }

    public HostSegmentValues Between(IGuest guest, HostEdge start, HostEdge end) =>
        Segment(_sampler?.Samples.Where(s => s.Guest == guest.Name).ToArray() ?? [], start.At, end.At, guest.Allocation.Cpus);

    /// <summary>
    /// Readings matched to [from, to] by time: each new value covers the span since the reading that brought the
    /// value before it; a repeated value is the node's cached answer and is skipped.
    /// </summary>
    internal static HostSegmentValues Segment(IReadOnlyList<PveStatusSample> readings, DateTimeOffset from, DateTimeOffset to, double allocatedCpus)
    {
        var spans = new List<(double Weight, PveStatusSample Sample)>();
        var computedAt = readings.Count > 0 ? readings[0].At : default;
        for (var i = 1; i < readings.Count; i++)
        {
            var r = readings[i];
            if (IsRepeat(readings[i - 1], r)) continue;
            var since = computedAt;
            computedAt = r.At;
            if (!double.IsFinite(r.Cpu) || r.Status != "running") continue;
            var overlap = (Min(r.At, to) - Max(since, from)).TotalSeconds;
            if (overlap > 0) spans.Add((overlap, r));
        }
        var covered = spans.Sum(s => s.Weight);
        // Less than half the segment covered is too little to stand for it.
        if (covered < (to - from).TotalSeconds / 2) return new HostSegmentValues(double.NaN);
        double Mean(Func<PveStatusSample, double> f) => spans.Sum(s => s.Weight * f(s.Sample)) / covered;
        double? Pressure(Func<PvePressure, double> f) => spans.All(s => s.Sample.Pressure is not null) ? Mean(s => f(s.Pressure!)) : null;
        return new HostSegmentValues(
            // cpu is a share of the guest's vCPUs; cores used over the allocation is the in-guest unit.
            Mean(s => s.Cpu * s.Cpus) / allocatedCpus * 100,
            MemoryBytes: spans[^1].Sample.Mem,
            CpuPressurePercent: Pressure(p => p.CpuSome),
            MemoryPressurePercent: Pressure(p => p.MemorySome),
            IoPressurePercent: Pressure(p => p.IoSome));
    }

    public async Task<double?> OutsideCpuPercentAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        var sampler = Sampler();
        var deadline = DateTimeOffset.UtcNow + OutsideWait;
        while (true)
        {
            var members = guests().ToDictionary(g => g.Name, g => g.Ref.Node, StringComparer.Ordinal);
            var settledFrom = from > _samplingSince + WorkersWarm ? from : _samplingSince + WorkersWarm;
            if (Outside(sampler.NodeSamples, sampler.Samples, members, settledFrom, DateTimeOffset.UtcNow) is { } outside) return outside;
            if (DateTimeOffset.UtcNow >= deadline) return null;
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The nodes' busy CPU less their guests', % of one CPU, over [from, to]: per node the mean of the values it
    /// newly computed after the stretch had run for one span of the node's (10 s / CPUs) and two seconds more (an
    /// earlier value may cover time before <paramref name="from"/>; which worker computed a value is unknown, so
    /// they weigh alike), less each of its guests' CPU over the time those values cover, weighted by the time each
    /// guest value covers (<see cref="Segment"/>). Null while any node or guest has too little to tell.
    /// </summary>
    internal static double? Outside(
        IReadOnlyList<PveNodeSample> nodeReadings, IReadOnlyList<PveStatusSample> guestReadings, IReadOnlyDictionary<string, string> guestNodes,
        DateTimeOffset from, DateTimeOffset to)
    {
        var total = 0.0;
        foreach (var node in guestNodes.Values.Distinct(StringComparer.Ordinal))
        {
            var readings = nodeReadings.Where(r => r.Node == node && double.IsFinite(r.Cpu) && r.Cpus > 0).ToArray();
            if (readings.Length == 0) return null;
            var span = TimeSpan.FromSeconds(NodeTicksPerComputation / ClockTicksPerSecond / readings[^1].Cpus);
            var settled = from + span + TimeSpan.FromSeconds(2);
            var fresh = readings.Where((r, i) => i > 0 && !r.Cpu.Equals(readings[i - 1].Cpu) && r.At >= settled && r.At <= to).ToArray();
            if (fresh.Length == 0) return null;
            var guestCores = 0.0;
            foreach (var guest in guestNodes.Where(g => g.Value == node).Select(g => g.Key))
            {
                // Allocated 1 CPU: the guest's CPU in % of one CPU.
                var own = Segment(guestReadings.Where(r => r.Guest == guest).ToArray(), fresh[0].At - span, to, allocatedCpus: 1).CpuPercent;
                if (!double.IsFinite(own)) return null;
                guestCores += own / 100;
            }
            total += fresh.Average(r => r.Cpu * r.Cpus) - guestCores;
        }
        return total * 100;
    }

    /// <summary>
    /// The node answered the value it had computed before instead of a new one. A computed rate of a running guest
    /// that equals the previous one to the last bit does not happen in practice, so equality is the sign.
    /// </summary>
    private static bool IsRepeat(PveStatusSample previous, PveStatusSample reading) =>
        reading.Status == "running" && previous.Status == "running" && reading.Cpu.Equals(previous.Cpu) && double.IsFinite(reading.Cpu);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private PveStatusSampler Sampler()
    {
        lock (_gate)
        {
            if (_sampler is null) _samplingSince = DateTimeOffset.UtcNow;
            return _sampler ??= PveStatusSampler.Start(client, guests().Select(g => (g.Name, g.Ref)).ToList(), interval);
        }
    }

    public async ValueTask DisposeAsync()
    {
        PveStatusSampler? sampler;
        lock (_gate) sampler = _sampler;
        if (sampler is not null) await sampler.DisposeAsync().ConfigureAwait(false);
    }
}
