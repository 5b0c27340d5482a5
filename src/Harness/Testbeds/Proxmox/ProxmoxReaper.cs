using Harness.Configuration;
using Harness.Pve;

namespace Harness.Testbeds.Proxmox;

/// <summary>
/// Finds and removes guests tagged by the harness that an earlier run did not clean up (killed, crashed, power cut).
/// At the start of a run only orphans of this machine are reaped (their process is gone); on demand, also those of
/// other machines — only do that when no other run is using the cluster.
/// </summary>
public static class ProxmoxReaper
{
    /// <summary>On-demand entry point (e.g. a ci/ command): connects with <paramref name="pve"/> and reaps.</summary>
    public static async Task<IReadOnlyList<string>> ReapAsync(PveOptions pve, bool includeOtherHosts, ProgressSink progress, CancellationToken cancellationToken)
    {
        using var client = PveClient.Create(pve, m => progress("PVE: " + m));
        return await ReapAsync(client, includeOtherHosts, exceptRunId: null, pve.TaskTimeout, progress, cancellationToken, pve.PollInterval).ConfigureAwait(false);
    }

    /// <returns>One line per guest removed.</returns>
    public static async Task<IReadOnlyList<string>> ReapAsync(
        IPveClient client, bool includeOtherHosts, string? exceptRunId, TimeSpan taskTimeout, ProgressSink progress, CancellationToken cancellationToken,
        TimeSpan? poll = null)
    {
        var all = await client.GetGuestsAsync(cancellationToken).ConfigureAwait(false);
        var victims = new List<PveClusterGuest>();
        // Killed between its clone and its config PUT, a guest has only the template's tags; its name still says whose it is,
        // but not from which machine, so only the on-demand reap removes it.
        foreach (var g in all.Where(g => !g.Template && !GuestTags.IsHarness(g.Tags) && GuestTags.IsRunGuestName(g.Name)))
        {
            if (exceptRunId is not null && GuestTags.IsOfRun(g.Tags, g.Name, exceptRunId)) continue;
            if (includeOtherHosts) victims.Add(g);
            else progress($"left alone: {g.Ref} {g.Name} is named like a harness guest but has no harness tags (its run ended before tagging it); remove it with reap-proxmox --all-hosts when no run uses the cluster");
        }
        foreach (var g in all.Where(g => GuestTags.IsHarness(g.Tags) && !g.Template))
        {
            if (exceptRunId is not null && GuestTags.IsOfRun(g.Tags, exceptRunId)) continue;
            if (includeOtherHosts || GuestTags.IsLocalOrphan(g.Tags)) victims.Add(g);
            else progress($"left alone: {g.Ref} ({string.Join(";", g.Tags)}) belongs to a run on another machine or one still running; reap it on demand when no run uses the cluster");
        }
        return await DestroyAllAsync(client, victims, taskTimeout, poll, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every guest of <paramref name="runId"/>, by tag or by name (a clone whose config was never written still has
    /// only the template's tags): the last sweep of a run's own teardown.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ReapRunAsync(
        IPveClient client, string runId, TimeSpan taskTimeout, ProgressSink progress, CancellationToken cancellationToken, TimeSpan? poll = null)
    {
        var all = await client.GetGuestsAsync(cancellationToken).ConfigureAwait(false);
        var victims = all.Where(g => GuestTags.IsOfRun(g.Tags, g.Name, runId) && !g.Template).ToList();
        var done = await DestroyAllAsync(client, victims, taskTimeout, poll, cancellationToken).ConfigureAwait(false);
        foreach (var d in done) progress($"removed by the final sweep: {d}");
        return done;
    }

    private static async Task<IReadOnlyList<string>> DestroyAllAsync(
        IPveClient client, List<PveClusterGuest> victims, TimeSpan taskTimeout, TimeSpan? poll, CancellationToken cancellationToken)
    {
        var removed = new List<string>();
        var errors = new List<Exception>();
        foreach (var v in victims)
        {
            try
            {
                if (await GuestTeardown.DestroyAsync(client, v.Ref, taskTimeout, poll ?? TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false))
                {
                    removed.Add($"{v.Ref} {v.Name} [{string.Join(";", v.Tags)}]");
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                errors.Add(e);
            }
        }
        if (errors.Count > 0) throw new AggregateException($"could not remove {errors.Count} harness guest(s)", errors);
        return removed;
    }
}
