namespace Harness.Analysis;

/// <summary>
/// Judges a fair-share row: guests that all ask for more CPU than the host has must each get the part of the CPU
/// the guests got together that its weight promises (2:1:1:1 → 40/20/20/20 %). Per co-run segment every guest's
/// CPU time is taken as a part of the guests' total; the check is the mean over the repetitions with its 95%
/// t-interval, failing only when the whole interval lies outside target ± tolerance. The row's CPU-target and
/// interference checks are dropped: an oversubscribed row misses its CPU target and slows its guests by design; its
/// RAM checks and each guest's agreement with the host's view stay.
/// </summary>
public static class FairShareJudge
{
    /// <summary>A guest of the row: its relative weight, its CPU allocation and its measured segments.</summary>
    public sealed record Guest(string Name, int Weight, double AllocatedCpus, IReadOnlyList<SegmentRecord> Segments);

    /// <summary>Below this share of its allocation co-run, a guest was held back by its neighbours: they contended.</summary>
    public const double ContentionBelowPercent = 90;

    public static Verdict Judge(Verdict plain, IReadOnlyList<Guest> guests, double tolerance, string note)
    {
        // RAM and the host agreement still hold: a guest that cannot see the CPU it loses cannot be judged on shares either.
        var checks = plain.Checks.Where(c => c.Metric == Metric.Ram || c.Metric == Metric.HostAgreement).ToList();
        var invalid = new List<string>();
        var coRun = guests.ToDictionary(g => g.Name, g => g.Segments.Where(s => s.Kind == SegmentKind.CoRun && double.IsFinite(s.Values.CpuPercent))
            .ToDictionary(s => s.Repetition, s => s.Values));
        var repetitions = coRun.Values.SelectMany(r => r.Keys).Distinct().Where(rep => coRun.Values.All(r => r.ContainsKey(rep))).Order().ToArray();
        double CpuSeconds(Guest g, int rep) => coRun[g.Name][rep].CpuPercent / 100 * g.AllocatedCpus * coRun[g.Name][rep].WallSeconds;

        var totalWeight = guests.Sum(g => g.Weight);
        foreach (var g in guests)
        {
            var shares = repetitions.Select(rep => CpuSeconds(g, rep) / guests.Sum(h => CpuSeconds(h, rep)) * 100).Where(double.IsFinite).ToArray();
            var share = Stats.Mean(shares);
            checks.Add(Check.Of(g.Name, Metric.CpuShare, 100.0 * g.Weight / totalWeight, share, tolerance));
        }
        var allocationUsed = guests.Select(g => repetitions.Length == 0 ? double.NaN : repetitions.Average(rep => coRun[g.Name][rep].CpuPercent)).ToArray();
        if (allocationUsed.All(u => u >= ContentionBelowPercent))
        {
            invalid.Add($"no contention: every guest got at least {ContentionBelowPercent:0}% of its CPU allocation co-run, so weights cannot show; " +
                        "run fair-share rows on a testbed whose guests together ask for more CPU than the host has");
        }
        return new Verdict(plain.Scenario, checks, invalid, [note]);
    }
}
