using Harness.Analysis;
using Harness.Reporting;
using Harness.Tests.Reporting;
using Xunit;

namespace Harness.Tests.HostView;

public sealed class HostViewRecordTests
{
    [Fact]
    public void Host_figures_are_recorded_beside_the_guests_and_read_back()
    {
        var segment = new SegmentRecord(1, SegmentKind.CoRun, 10, 11.5, new SegmentValues(90, 80, 0.5, 0.1, 1.5, 99, 300),
            new HostSegmentValues(89.5, ThrottledPeriods: 14, ThrottledSeconds: 0.4, MemoryBytes: 800, CpuPressurePercent: 30));
        var host = new HostAgreement(null, 12, 90, 89.5, new Estimate(0.5, 0.2, 0.8));
        var guest = HostAgreementTests.Guest("S1", host) with { Segments = [segment] };
        var record = new RunRecord
        {
            RunId = "r", StartedAt = DateTimeOffset.UnixEpoch, Testbed = new Dictionary<string, string>(), Settings = new Dictionary<string, string>(),
        };
        record.Add(new ScenarioRecord("a", "a", DateTimeOffset.UnixEpoch, 1, "pass", null, [guest], [], 1, 0, 0.5));
        var path = Path.Combine(Path.GetTempPath(), $"harness-host-{Guid.NewGuid():N}.json");
        RunRecord back;
        try
        {
            record.Save(path);
            back = RunRecord.Load(path);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Equal(RunRecord.CurrentSchemaVersion, back.SchemaVersion);
        var s = Assert.Single(back.Scenarios);
        Assert.Equal(0.5, s.MaxAbsHostDifference);
        Assert.Equal(host, s.Guests[0].Host);
        Assert.Equal(segment.Host, s.Guests[0].Segments![0].Host);
        Assert.Equal("largest |in-guest - host| CPU: 0.50 points", HostViewText.SummaryLine(back.Scenarios));
    }

    [Fact]
    public void A_results_file_from_before_the_host_view_still_loads_and_says_none_was_recorded()
    {
        var old = RecordedRun.Load();

        Assert.Equal(1, old.SchemaVersion);
        Assert.All(old.Scenarios.SelectMany(s => s.Guests), g => Assert.Null(g.Host));
        Assert.Equal("host view: none recorded", HostViewText.SummaryLine(old.Scenarios));
    }
}
