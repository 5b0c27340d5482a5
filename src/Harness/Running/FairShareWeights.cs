using System.Globalization;
using Harness.Scenarios;
using Harness.Testbeds;

namespace Harness.Running;

/// <summary>
/// Puts a fair-share row's weights on its guests, reads back what the backend applied, and puts the earlier
/// weights back afterwards, so that the rows after it run with the testbed as provisioned.
/// </summary>
internal sealed class FairShareWeights(ICpuWeights control, IReadOnlyList<GuestRun> runs, IReadOnlyDictionary<string, long> before)
{
    public static async Task<FairShareWeights> ApplyAsync(ITestbed testbed, Scenario scenario, IReadOnlyList<GuestRun> runs, CancellationToken ct)
    {
        var control = testbed.CpuWeights
            ?? throw new ScenarioNotRunnableException(
                $"{scenario.Name} cannot run here: it is a fair-share row, and this backend has no CPU weight control the harness can set");
        var before = await ReadAsync(control, runs, ct).ConfigureAwait(false);
        var weights = new FairShareWeights(control, runs, before);
        try
        {
            await GuestRun.ForEach(runs, (r, c) => control.SetAsync(r.Guest, r.Load.CpuWeight ?? 1, c), ct).ConfigureAwait(false);
        }
        catch
        {
            await weights.RestoreAsync().ConfigureAwait(false);
            throw;
        }
        return weights;
    }

    /// <summary>"cpu.shares found: S1 2048, S2 1024, …": what the backend applied, for the row's message and results.</summary>
    public async Task<string> FoundAsync(CancellationToken ct)
    {
        var found = await ReadAsync(control, runs, ct).ConfigureAwait(false);
        var text = string.Join(", ", runs.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Name} {found[r.Name]}")));
        return $"{control.Control} found: {text} (weights asked: {string.Join(":", runs.Select(r => r.Load.CpuWeight))})";
    }

    /// <summary>Best effort: a restore that fails is reported, and must not hide the row's own outcome.</summary>
    public async Task RestoreAsync(ProgressSink? progress = null)
    {
        foreach (var r in runs)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await control.SetRawAsync(r.Guest, before[r.Name], timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The next fair-share row sets its own weights; a plain row after this one runs with what is left.
                progress?.Invoke($"could not put {control.Control} of {r.Name} back to {before[r.Name]}: {e.Message}");
            }
        }
    }

    private static async Task<IReadOnlyDictionary<string, long>> ReadAsync(ICpuWeights control, IReadOnlyList<GuestRun> runs, CancellationToken ct)
    {
        var values = await Task.WhenAll(runs.Select(r => control.ReadAsync(r.Guest, ct))).ConfigureAwait(false);
        return runs.Select((r, i) => (r.Name, values[i])).ToDictionary(p => p.Name, p => p.Item2);
    }
}
