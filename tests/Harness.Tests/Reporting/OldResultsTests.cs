using Harness.Reporting;
using Harness.Reporting.Comparison;
using Xunit;

namespace Harness.Tests.Reporting;

/// <summary>The recorded run is an older results file: throughput loss was "degradation" there, and two settings keys had old names.</summary>
public sealed class OldResultsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("harness-old-results-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void An_older_file_loads_throughput_loss_and_the_thresholds_under_their_current_names()
    {
        Assert.Contains("\"degradation\"", File.ReadAllText(RecordedRun.Path));
        var old = RecordedRun.Load();

        Assert.True(old.SchemaVersion < RunRecord.CurrentSchemaVersion);
        var loss = old.Scenarios[0].Guests[0].Interference!.ThroughputLoss;
        Assert.Equal(2.507037551200386, loss.Value, 12);
        Assert.Equal("15", old.Settings["throughputLossThreshold"]);
        Assert.Equal("20", old.Settings["waitIncreaseThreshold"]);
        Assert.DoesNotContain("degradationThreshold", old.Settings.Keys);
        Assert.DoesNotContain("waitThreshold", old.Settings.Keys);
    }

    [Fact]
    public void A_saved_run_writes_only_the_current_names_and_compares_with_an_old_one_without_differences()
    {
        var path = Path.Combine(_folder, "results.json");
        RecordedRun.Load().Save(path);
        var text = File.ReadAllText(path);
        Assert.Contains("\"throughputLoss\"", text);
        Assert.Contains("\"throughputLossThreshold\"", text);
        Assert.DoesNotContain("degradation", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"waitThreshold\"", text);

        var saved = RunRecord.Load(path);
        Assert.Equal(RecordedRun.Load().Scenarios[0].Guests[0].Interference!.ThroughputLoss, saved.Scenarios[0].Guests[0].Interference!.ThroughputLoss);
        var settings = RunComparison.Compare(saved, RecordedRun.Load()).Facts.Where(f => f.Section == "settings").ToList();
        Assert.Contains(settings, f => f.Name == "throughputLossThreshold");
        Assert.All(settings, f => Assert.False(f.Differs, f.Name));
    }
}
