using Harness.Analysis;
using Harness.Configuration;
using Harness.Load;
using Harness.Sampling;
using Harness.Scenarios;

namespace Harness.Running;

/// <summary>Segments in, verdict out: each guest's pairs judged co-run against solo, plus load control's own reasons.</summary>
internal static class ScenarioJudge
{
    public static IsolationThresholds Thresholds(HarnessOptions o) =>
        new(o.CpuTolerance, o.RamTolerance, o.SlowdownThreshold, o.WaitIncreaseThreshold, o.ThroughputLossThreshold, o.SoloMaxCov);

    public static (GuestMeasurement[] Guests, Verdict Verdict) Judge(
        Scenario scenario, IReadOnlyList<GuestRun> runs, IReadOnlyList<GuestSegment> segments,
        IReadOnlyDictionary<string, IReadOnlyList<ProbeSample>> probes, IsolationThresholds limits, double hostAgreementTolerance)
    {
        var checks = new List<Check>();
        var invalid = new List<string>();
        var guests = new List<GuestMeasurement>();
        foreach (var r in runs)
        {
            var name = r.Name;
            // Each of the guest's segments with its values, computed once for the verdict, the host check and the record.
            var values = segments.Where(s => s.Guest == name)
                .Select(s => (Measured: s, Values: SegmentValues.Of(s, probes[name], r.Guest.Allocation)))
                .ToArray();
            var pairs = values.Where(v => v.Measured.Segment.Kind == SegmentKind.CoRun)
                .Join(values.Where(v => v.Measured.Segment.Kind == SegmentKind.Solo), c => c.Measured.Segment.Repetition, s => s.Measured.Segment.Repetition,
                    (c, s) => (CoRun: c.Values, Solo: s.Values))
                .ToArray();
            var waitSource = r.Guest.SamplerSource == SamplerSource.Procfs ? "steal" : "run-queue wait";
            var (metrics, guestChecks, guestInvalid) = InterferenceJudge.Judge(r.Load, pairs, limits, waitSource);
            var hostSegments = values.Select(v => (v.Values.CpuPercent, v.Measured.Host)).ToArray();
            var (host, hostCheck, judged) = HostAgreementJudge.Judge(name, hostSegments, guestChecks, hostAgreementTolerance);
            // Whether calibration converged is recorded, not judged: the CPU check judges the measured segments, and a
            // miss that the guest shows alone too at the same setting is already the generator's, not a failure.
            checks.AddRange(judged);
            if (hostCheck is not null) checks.Add(hostCheck);
            invalid.AddRange(guestInvalid);

            var coRun = segments.Where(s => s.Guest == name && s.Segment.Kind == SegmentKind.CoRun).ToArray();
            var series = coRun.SelectMany(s => r.Sampler.Between(s.Start.ReceivedAt, s.End.ReceivedAt)).ToArray();
            var points = Usage.Series(series, r.Guest.Allocation);
            guests.Add(new GuestMeasurement(
                name, r.Guest.Identity, r.Load.CpuPercent, r.Load.RamPercent, metrics.CoRunCpu.Value, metrics.CoRunRam.Value,
                SeriesSummary.Of(coRun.Select(s => Usage.Cpu(s.Start, s.End, r.Guest.Allocation).CpuPercent)),
                SeriesSummary.Of(coRun.Select(s => Usage.RamPercent(s.End, r.Guest.Allocation))),
                SeriesSummary.Of(points.Select(s => s.StealPercent)),
                coRun.Sum(s => s.End.GuestTime - s.Start.GuestTime),
                r.Calibration,
                points,
                metrics,
                values.Select(v => new SegmentRecord(v.Measured.Segment.Repetition, v.Measured.Segment.Kind, v.Measured.Start.GuestTime,
                        v.Measured.End.GuestTime, v.Values, v.Measured.Host is { Unavailable: null } h ? h : null))
                    .ToArray(),
                host,
                r.Guest.Allocation));
        }
        return (guests.ToArray(), new Verdict(scenario.DisplayName, checks, invalid));
    }
}
