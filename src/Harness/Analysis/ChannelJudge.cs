using System.Globalization;
using Harness.Load;
using Harness.Scenarios;

namespace Harness.Analysis;

/// <summary>Budgets of the channel checks (settings with documented defaults).</summary>
public sealed record ChannelThresholds(double IoP50Increase, double IoP99Increase, double MemoryBandwidthLoss, int MinPairs = 3)
{
    // Chosen from the net rows and their null (docs/antagonists.md).
    public const double DefaultNetP50Increase = 50;
    public const double DefaultNetP99Increase = 250;

    /// <summary>Largest allowed increase of a victim's median round trip to a neighbour, %.</summary>
    public double NetP50Increase { get; init; } = DefaultNetP50Increase;

    /// <summary>The same for the round trip's 99th percentile, %.</summary>
    public double NetP99Increase { get; init; } = DefaultNetP99Increase;
}

/// <summary>
/// Judges a row with antagonists: each victim's channel probes, co-run against solo, with a percentile bootstrap
/// over pairs (a check fails only when its whole 95% interval lies past its budget; too few
/// pairs with values is not judged, never a pass). A guest that runs an antagonist is the neighbour, not a
/// victim: its own checks are left out (it asks for a disk or memory bus flat out on purpose) and a note says so.
/// Quantiles and bandwidth are pooled over each side's probe runs of the resampled pairs, as slowdown pools its stretch.
/// </summary>
public static class ChannelJudge
{
    /// <summary>The channel probe samples of one victim, per channel (<see cref="Antagonist.Io"/>, <see cref="Antagonist.Membw"/>, <see cref="Antagonist.Net"/>).</summary>
    public sealed record Victim(string Guest, IReadOnlyList<GuestSegment> Segments, IReadOnlyDictionary<string, IReadOnlyList<ChannelSample>> Samples);

    /// <summary>The channels a row's victims are probed on: those its antagonists load that have a probe (<see cref="ChannelProbes.Probed"/>).</summary>
    public static IReadOnlyList<string> Channels(Scenario scenario) =>
        scenario.Loads.SelectMany(l => l.AntagonistsOrNone).Select(a => a.Class).Where(ChannelProbes.Probed.Contains)
            .Distinct().Order(StringComparer.Ordinal).ToArray();

    public static Verdict Judge(Verdict plain, Scenario scenario, IReadOnlyList<Victim> victims, ChannelThresholds limits)
    {
        var neighbours = scenario.Loads.Where(l => l.AntagonistsOrNone.Count > 0).ToArray();
        var checks = plain.Checks.Where(c => neighbours.All(n => n.Guest != c.Guest)).ToList();
        var notes = neighbours.Select(n => $"{n.Guest} runs {string.Join(", ", n.AntagonistsOrNone)}: the neighbour, not a victim; its own checks are left out").ToList();
        foreach (var v in victims)
        {
            foreach (var channel in Channels(scenario))
            {
                var pairs = Pairs(v.Segments, v.Samples.GetValueOrDefault(channel) ?? []);
                var seed = StableHash.Of(scenario.Name, v.Guest, channel);
                var unjudged = pairs.Length >= limits.MinPairs ? null
                    : $"the {channel} probe gave values in only {pairs.Length} pair(s) of segments; at least {limits.MinPairs} are needed";
                if (channel is Antagonist.Io or Antagonist.Net)
                {
                    // Both channels are latencies of a probe's runs, judged on their pooled median and tail.
                    var (what, quantiles) = channel == Antagonist.Io
                        ? ("I/O write", new[] { (Metric.IoLatencyP50, 0.5, limits.IoP50Increase), (Metric.IoLatencyP99, 0.99, limits.IoP99Increase) })
                        : ("round trip", new[] { (Metric.NetRttP50, 0.5, limits.NetP50Increase), (Metric.NetRttP99, 0.99, limits.NetP99Increase) });
                    foreach (var (metric, q, limit) in quantiles)
                    {
                        var e = Stats.PairedBootstrap(pairs, p => (Latency(p, Side.CoRun, q) / Latency(p, Side.Solo, q) - 1) * 100, seed + (int)(q * 100));
                        checks.Add(Budget(v.Guest, metric, e, limit, unjudged));
                        notes.Add(Describe(v.Guest, $"{what} p{q * 100:0}", Latency(pairs, Side.Solo, q) / 1000, Latency(pairs, Side.CoRun, q) / 1000, "ms", pairs.Length));
                    }
                }
                else if (channel == Antagonist.Membw)
                {
                    var e = Stats.PairedBootstrap(pairs, p => (1 - Bandwidth(p, Side.CoRun) / Bandwidth(p, Side.Solo)) * 100, seed);
                    checks.Add(Budget(v.Guest, Metric.MemoryBandwidthLoss, e, limits.MemoryBandwidthLoss, unjudged));
                    notes.Add(Describe(v.Guest, "memory bandwidth", Bandwidth(pairs, Side.Solo) / 1e9, Bandwidth(pairs, Side.CoRun) / 1e9, "GB per CPU-second", pairs.Length));
                }
            }
        }
        return plain with { Checks = checks, Notes = [.. notes, .. plain.Notes ?? []] };
    }

    public enum Side
    {
        CoRun,
        Solo,
    }

    /// <summary>One repetition's probe runs: those inside its co-run segment and those inside the guest's solo segment.</summary>
    public sealed record Pair(ChannelSample[] CoRun, ChannelSample[] Solo)
    {
        public ChannelSample[] Of(Side side) => side == Side.CoRun ? CoRun : Solo;
    }

    /// <summary>
    /// Per repetition, the probe runs that started and ended inside its co-run and its solo segment (a run that
    /// straddles an edge may have been frozen halfway); a repetition with no run on either side is dropped.
    /// </summary>
    public static Pair[] Pairs(IReadOnlyList<GuestSegment> segments, IReadOnlyList<ChannelSample> samples)
    {
        ChannelSample[] Inside(GuestSegment s) => samples.Where(x => x.Start >= s.Start.GuestTime && x.End <= s.End.GuestTime).ToArray();
        var co = segments.Where(s => s.Segment.Kind == SegmentKind.CoRun).ToDictionary(s => s.Segment.Repetition, Inside);
        var solo = segments.Where(s => s.Segment.Kind == SegmentKind.Solo).ToDictionary(s => s.Segment.Repetition, Inside);
        return co.Keys.Where(r => solo.ContainsKey(r) && co[r].Length > 0 && solo[r].Length > 0).Order()
            .Select(r => new Pair(co[r], solo[r])).ToArray();
    }

    /// <summary>
    /// A latency quantile over all the side's runs in the given pairs together: a segment holds a dozen writes, too few
    /// for a tail of its own, and pooling keeps the pairs whole for the bootstrap.
    /// </summary>
    public static double Latency(IReadOnlyList<Pair> pairs, Side side, double q) =>
        Stats.Percentile(pairs.SelectMany(p => p.Of(side)).Select(x => x.Value), q);

    /// <summary>Bytes per CPU-second over all the side's bursts (sum over sum), so a short burst weighs as little as it should.</summary>
    public static double Bandwidth(IReadOnlyList<Pair> pairs, Side side)
    {
        var runs = pairs.SelectMany(p => p.Of(side)).Where(x => x.Cpu > 0).ToArray();
        var cpu = runs.Sum(x => x.Cpu);
        return cpu > 0 ? runs.Sum(x => x.Value) / cpu * 1e9 : double.NaN;
    }

    private static Check Budget(string guest, Metric metric, Estimate e, double limit, string? unjudged) =>
        new(guest, metric, 0, e.Value, limit, e.Low, e.High, CheckKind.AtMost, unjudged);

    private static string Describe(string guest, string what, double solo, double coRun, string unit, int pairs) =>
        string.Create(CultureInfo.InvariantCulture, $"{guest} {what}: {solo:0.###} alone, {coRun:0.###} among its neighbours ({unit}, {pairs} pairs)");
}
