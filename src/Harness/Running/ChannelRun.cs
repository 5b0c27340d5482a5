using Harness.Analysis;
using Harness.Configuration;
using Harness.Load;
using Harness.Scenarios;

namespace Harness.Running;

/// <summary>
/// The antagonist part of a row, kept out of the runner's own steps: starts every guest's antagonists and every
/// victim's channel probes before the loads are put in place (so load control fills memory and calibrates with
/// them running), collects the probes after the measurement and adds the channel checks to the verdict. The
/// generators' freeze, thaw and stop reach antagonists and probes (<see cref="GuestProcesses"/>). A row whose
/// antagonists have no probe (cache, fork) starts only them, and its victims are judged by their CPU checks. A row
/// without antagonists starts nothing here and its verdict is left as it is.
/// </summary>
internal sealed class ChannelRun(Scenario scenario, IReadOnlyList<GuestRun> runs, HarnessOptions options)
{
    private readonly IReadOnlyList<string> _channels = ChannelJudge.Channels(scenario);
    private readonly Dictionary<string, Dictionary<string, IReadOnlyList<ChannelSample>>> _samples = new();

    private IEnumerable<GuestRun> Victims => runs.Where(r => r.Load.AntagonistsOrNone.Count == 0);

    public async Task StartAsync(TimeSpan lifetime, TimeProvider time, CancellationToken ct)
    {
        if (!scenario.HasAntagonists) return;
        var peers = _channels.Contains(Antagonist.Net) ? NetPeers(runs.Select(r => (r.Name, r.Guest.NetworkAddress, r.Load.AntagonistsOrNone.Count > 0)).ToArray()) : null;
        await GuestRun.ForEach(runs, async (r, c) =>
        {
            if (r.Load.AntagonistsOrNone.Count > 0)
            {
                await r.RunAsync(Antagonists.Start(r.Load, r.Guest.Allocation.Cpus, lifetime, peers?[r.Name]), c).ConfigureAwait(false);
                return;
            }
            if (_channels.Count == 0) return;
            foreach (var channel in _channels)
            {
                await r.RunAsync(ChannelProbes.Start(channel, lifetime, channel == Antagonist.Net ? peers![r.Name][0] : null), c).ConfigureAwait(false);
            }
            // Memory is filled from what the guest uses once its probes hold their buffers.
            await r.Sampler.WaitForSamplesAsync(time.GetUtcNow(), 2, c).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
    }

    /// <summary>Adds the probes' runs since the last collection (each probe's log is emptied as it is read).</summary>
    public async Task CollectAsync(CancellationToken ct)
    {
        foreach (var r in Victims)
        {
            var byChannel = _samples.TryGetValue(r.Name, out var had) ? had : _samples[r.Name] = new();
            foreach (var channel in _channels)
            {
                var fresh = ChannelProbes.Parse(await r.RunAsync(ChannelProbes.Collect(channel), ct).ConfigureAwait(false));
                byChannel[channel] = byChannel.TryGetValue(channel, out var earlier) ? [.. earlier, .. fresh] : fresh;
            }
        }
    }

    /// <summary>
    /// Who talks to whom on the net channel, by guest: a neighbour (antagonist) sends to every victim; a victim
    /// measures its round trips to the next victim in the row (wrapping around), or to the first neighbour when it
    /// is the only victim, so that the path it measures is one the traffic crosses without being the sender's own.
    /// </summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<string>> NetPeers(IReadOnlyList<(string Name, string? Address, bool Neighbour)> guests)
    {
        if (guests.FirstOrDefault(g => g.Address is null) is { Name: { } missing })
        {
            throw new ScenarioNotRunnableException($"the net channel needs every guest's network address, and this testbed gives none for {missing} (only the Docker testbed does)");
        }
        var victims = guests.Where(g => !g.Neighbour).ToArray();
        var peers = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var g in guests.Where(g => g.Neighbour)) peers[g.Name] = victims.Select(v => v.Address!).ToArray();
        for (var i = 0; i < victims.Length; i++)
        {
            var other = victims.Length > 1 ? victims[(i + 1) % victims.Length] : guests.First(g => g.Neighbour);
            peers[victims[i].Name] = [other.Address!];
        }
        return peers;
    }

    public Verdict Judge(Verdict plain, IReadOnlyList<GuestSegment> measured)
    {
        if (!scenario.HasAntagonists) return plain;
        var victims = Victims.Select(r => new ChannelJudge.Victim(
            r.Name, measured.Where(s => s.Guest == r.Name).ToArray(),
            _samples.TryGetValue(r.Name, out var s) ? s : new Dictionary<string, IReadOnlyList<ChannelSample>>())).ToArray();
        return ChannelJudge.Judge(plain, scenario, victims, Thresholds(options));
    }

    public static ChannelThresholds Thresholds(HarnessOptions o) => new(o.IoP50IncreaseThreshold, o.IoP99IncreaseThreshold, o.MemoryBandwidthLossThreshold)
    {
        NetP50Increase = o.NetRttP50IncreaseThreshold,
        NetP99Increase = o.NetRttP99IncreaseThreshold,
    };
}
