using System.Runtime.InteropServices;
using Harness.Analysis;
using Harness.Configuration;
using Harness.Load;
using Harness.Sampling;
using Harness.Testbeds;

namespace Harness.Running;

/// <summary>
/// The measurement protocol: paired repetitions, each one co-run segment (all guests loaded) and one solo segment
/// per guest (its neighbours frozen with SIGSTOP, the guest itself at the very same load setting), in a random
/// order per repetition seeded by the scenario and the repetition, so slow drift of a shared host hits both sides
/// and co-run and solo differ only by the neighbours. A confirming batch runs each repetition in the reverse order
/// of its counterpart in the first attempt, so drift that favoured one side then favours the other. Segment edges are counter snapshots taken by each guest's running sampler,
/// and at the same moment the host's own figures of each guest, when the testbed has a host view.
/// A co-run segment may last longer than a solo one (the caller's choice per scenario): the neighbours' effect lives
/// on that side, and a light guest's few short bursts in a solo-length co-run segment sample it too thinly.
/// </summary>
/// <param name="window">A calibration round's measured stretch; a segment's length is the caller's, per scenario.</param>
internal sealed class MeasurementProtocol(
    ILoadGenerator generator, TimeSpan window, ProgressSink progress, TimeProvider time, IHostView? host = null)
{
    // Long enough for a frozen or thawed load to have stopped or started everywhere before an edge is taken.
    private static readonly TimeSpan StateChange = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// CPU % over a calibration round, measured exactly as the repetitions measure a segment (pause, snapshot,
    /// window, snapshot), so that the measurement's own cost inside the guest is the same in both.
    /// </summary>
    public async Task<double> MeasureCpuAsync(GuestRun r, TimeSpan round, CancellationToken ct)
    {
        var windows = Math.Max(1, (int)Math.Round(round / window));
        double cpuSeconds = 0, wall = 0;
        for (var i = 0; i < windows; i++)
        {
            await Task.Delay(StateChange, time, ct).ConfigureAwait(false);
            var start = await r.Sampler.SnapshotAsync(ct).ConfigureAwait(false);
            await Task.Delay(window, time, ct).ConfigureAwait(false);
            var end = await r.Sampler.SnapshotAsync(ct).ConfigureAwait(false);
            var seconds = end.GuestTime - start.GuestTime;
            cpuSeconds += Usage.Cpu(start, end, r.Guest.Allocation).CpuPercent / 100 * seconds;
            wall += seconds;
        }
        return wall > 0 ? cpuSeconds / wall * 100 : double.NaN;
    }

    /// <summary>
    /// Measures repetitions <paramref name="first"/> to first + count − 1. With <paramref name="mirror"/> each one
    /// runs in the reverse order of the repetition <paramref name="count"/> before it (a confirming attempt). Segments
    /// last as long as <paramref name="windows"/> says for their kind.
    /// </summary>
    public async Task<List<GuestSegment>> MeasureAsync(
        string scenario, IReadOnlyList<GuestRun> runs, int first, int count, bool mirror, SegmentWindows windows, CancellationToken ct)
    {
        var result = new List<GuestSegment>();
        var last = first + count - 1;
        for (var rep = first; rep <= last; rep++)
        {
            var order = Order(scenario, runs, mirror ? rep - count : rep);
            if (mirror) order.Reverse();
            order = order.Select(s => s with { Repetition = rep }).ToList();
            progress($"{scenario}: measuring repetition {rep}/{last}{(mirror ? " (confirming, reverse order)" : "")} ({string.Join(", ", order.Select(s => s.SoloGuest is { } g ? g + " alone" : "co-run"))})");
            foreach (var segment in order)
            {
                var active = segment.SoloGuest is { } solo ? runs.First(r => r.Name == solo) : null;
                await SetFrozenAsync(runs, except: active, ct).ConfigureAwait(false);
                await Task.Delay(StateChange, time, ct).ConfigureAwait(false);
                var measured = runs.Where(r => segment.Measures(r.Name)).ToArray();
                var start = await EdgeAsync(runs, measured, ct).ConfigureAwait(false);
                await Task.Delay(segment.Kind == SegmentKind.CoRun ? windows.CoRun : windows.Solo, time, ct).ConfigureAwait(false);
                var end = await EdgeAsync(runs, measured, ct).ConfigureAwait(false);
                var outside = Outside(start, end);
                for (var i = 0; i < measured.Length; i++)
                {
                    var hostValues = host?.Between(measured[i].Guest, start.Host[i]!, end.Host[i]!) is { } v ? v with { OutsideCpuPercent = outside } : null;
                    result.Add(new GuestSegment(segment, measured[i].Name, start.Guest[i], end.Guest[i], hostValues));
                }
            }
        }
        await SetFrozenAsync(runs, except: null, ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>The segments of one repetition in the order they run: seeded, so a rerun measures in the same order.</summary>
    private static List<Segment> Order(string scenario, IReadOnlyList<GuestRun> runs, int rep)
    {
        var order = new List<Segment> { new(rep, SegmentKind.CoRun, null) };
        order.AddRange(runs.Select(r => new Segment(rep, SegmentKind.Solo, r.Name)));
        new Random(StableHash.Of(scenario, rep.ToString(System.Globalization.CultureInfo.InvariantCulture))).Shuffle(CollectionsMarshal.AsSpan(order));
        return order;
    }

    /// <summary>
    /// CPU the host spent outside every guest over a stretch of <paramref name="length"/> with nothing else going on,
    /// % of one CPU: taken before calibration as the level later segments are held to. Null without a host view.
    /// </summary>
    public async Task<double?> MeasureOutsideAsync(IReadOnlyList<GuestRun> runs, TimeSpan length, CancellationToken ct)
    {
        var from = time.GetUtcNow();
        var start = await EdgeAsync(runs, [], ct).ConfigureAwait(false);
        await Task.Delay(length, time, ct).ConfigureAwait(false);
        return Outside(start, await EdgeAsync(runs, [], ct).ConfigureAwait(false)) ?? await OutsideSinceAsync(from, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The host's CPU outside every guest from <paramref name="from"/> until now, for a host that cannot split it per
    /// segment (<see cref="IHostView.OutsideCpuPercentAsync"/>); null for the others and without a host view.
    /// </summary>
    public Task<double?> OutsideSinceAsync(DateTimeOffset from, CancellationToken ct) =>
        host?.OutsideCpuPercentAsync(from, ct) ?? Task.FromResult<double?>(null);

    /// <summary>
    /// One segment edge: the measured guests' counters from inside, the host's counters of every guest from outside
    /// (measured ones first) and the host's busy time, asked for at once (in the same order at both edges, so the
    /// small lag between the reads cancels over a segment).
    /// </summary>
    private async Task<Edge> EdgeAsync(IReadOnlyList<GuestRun> runs, GuestRun[] measured, CancellationToken ct)
    {
        var everyGuest = measured.Concat(runs.Except(measured)).ToArray();
        var hostReads = host is null
            ? Task.FromResult(new HostEdge?[everyGuest.Length])
            : Task.WhenAll(everyGuest.Select(async r => (HostEdge?)await host.ReadAsync(r.Guest, ct).ConfigureAwait(false)));
        var busy = host is null ? Task.FromResult<HostBusy?>(null) : host.ReadHostAsync(ct);
        var guest = await Task.WhenAll(measured.Select(r => r.Sampler.SnapshotAsync(ct))).ConfigureAwait(false);
        return new Edge(guest, await hostReads.ConfigureAwait(false), await busy.ConfigureAwait(false));
    }

    private double? Outside(Edge start, Edge end) =>
        host is not null && start.Busy is { } a && end.Busy is { } b && start.Host.Concat(end.Host).All(h => h is { Unavailable: null })
            ? host.OutsideCpuPercent(a, b, start.Host.Zip(end.Host, (s, e) => (s!, e!)).ToArray())
            : null;

    private sealed record Edge(CounterSample[] Guest, HostEdge?[] Host, HostBusy? Busy);

    /// <summary>Freezes every guest but <paramref name="except"/>, or thaws all when it is null; only changes are sent.</summary>
    private Task SetFrozenAsync(IReadOnlyList<GuestRun> runs, GuestRun? except, CancellationToken ct) =>
        Task.WhenAll(runs.Select(async r =>
        {
            var frozen = except is not null && r != except;
            if (frozen == r.Frozen) return;
            await r.RunAsync(frozen ? generator.Pause : generator.Resume, ct).ConfigureAwait(false);
            r.Frozen = frozen;
        }));
}
