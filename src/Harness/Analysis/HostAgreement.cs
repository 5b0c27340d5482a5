using System.Globalization;

namespace Harness.Analysis;

/// <summary>
/// One guest's CPU as it saw it against the host's view of the same segments. Difference is in-guest − host, in
/// points of the guest's allocation, per segment, as a mean with its 95% interval. Unavailable says why there is no
/// host figure (a static backend, a remote Docker engine): that is reported, never judged.
/// </summary>
public sealed record HostAgreement(string? Unavailable, int Segments, double InGuestCpu, double HostCpu, Estimate Difference)
{
    public static HostAgreement Missing(string reason) => new(reason, 0, double.NaN, double.NaN, Estimate.Unknown);
}

/// <summary>
/// The agreement check: a guest whose own CPU figure disagrees with the host's beyond the tolerance (the whole
/// interval past it, as for every check) cannot be judged from inside. A VM without steal accounting charges the
/// time it lost to its own tasks, and a broken counter reads zero; neither is evidence of isolation.
/// </summary>
public static class HostAgreementJudge
{
    public const string CannotSee = "this guest cannot see the CPU it loses";

    /// <summary>
    /// The agreement and its check (null when the host view is unavailable: no check, so no invalid guest), and the
    /// guest's checks, those resting on its own CPU counters made unjudged when the figures disagree.
    /// </summary>
    public static (HostAgreement Agreement, Check? Check, IReadOnlyList<Check> GuestChecks) Judge(
        string guest, IReadOnlyList<(double InGuestCpu, HostSegmentValues? Host)> segments, IReadOnlyList<Check> guestChecks, double tolerance)
    {
        var host = segments.Select(s => s.Host).ToArray();
        if (host.Length == 0 || host.Any(h => h is null))
        {
            return (HostAgreement.Missing("no host view on this testbed"), null, guestChecks);
        }
        if (host.FirstOrDefault(h => h!.Unavailable is not null) is { } missing)
        {
            return (HostAgreement.Missing(missing.Unavailable!), null, guestChecks);
        }
        var both = segments.Where(s => double.IsFinite(s.InGuestCpu) && double.IsFinite(s.Host!.CpuPercent)).ToArray();
        // A host that answered but gave no reading within the segments is a missing view, not a disagreement.
        if (both.Length < 2)
        {
            return (HostAgreement.Missing($"the host gave a CPU figure for {both.Length} of the guest's {segments.Count} segments"), null, guestChecks);
        }
        var agreement = new HostAgreement(
            null, both.Length, Stats.Mean(both.Select(s => s.InGuestCpu).ToArray()).Value, Stats.Mean(both.Select(s => s.Host!.CpuPercent).ToArray()).Value,
            Stats.Mean(both.Select(s => s.InGuestCpu - s.Host!.CpuPercent).ToArray()));
        var d = agreement.Difference;
        var check = Check.Of(guest, Metric.HostAgreement, 0, d, tolerance);
        if (!check.Failed) return (agreement, check, guestChecks);

        var reason = string.Create(CultureInfo.InvariantCulture,
            $"{CannotSee}: it read {agreement.InGuestCpu:0.0}% of its allocation, the host {agreement.HostCpu:0.0}% ({d.Value:+0.0;-0.0} points, tolerance ±{tolerance:0.#})");
        // Disagreement is not an isolation failure: the guest cannot be judged, so its CPU-based checks are not judged either.
        var marked = guestChecks.Select(c => c.Metric == Metric.Ram || c.UnjudgedReason is not null ? c : c with { UnjudgedReason = reason }).ToArray();
        return (agreement, check with { UnjudgedReason = reason }, marked);
    }
}
