using System.Diagnostics;
using Harness.Tests.Reporting;
using Xunit;

namespace Harness.Tests.Workflows;

/// <summary>
/// .ci/run's closing line counts invalid scenario rows apart from failed and skipped ones, and an invalid row that
/// the settings do not allow is a failed test, so it fails the job.
/// </summary>
public sealed class CiCountTests
{
    private const string Marker = "INVALID row (not judged)";

    [Fact]
    public void Invalid_rows_are_counted_apart_from_failed_and_skipped_ones()
    {
        var trx = Path.Combine(Path.GetTempPath(), $"ci-count-{Guid.NewGuid():N}.trx");
        File.WriteAllText(trx, $"""
            <TestRun><Results>
            <UnitTestResult testName="a" outcome="Passed"></UnitTestResult>
            <UnitTestResult testName="b" outcome="Failed"><Output><ErrorInfo><Message>{Marker}: invalid row 1 of this run; HARNESS_MAX_INVALID_ROWS=0 allows no more.</Message></ErrorInfo></Output></UnitTestResult>
            <UnitTestResult testName="c" outcome="Failed"><Output><ErrorInfo><Message>Scenario 05: FAIL</Message></ErrorInfo></Output></UnitTestResult>
            <UnitTestResult testName="d" outcome="NotExecuted"><Output><ErrorInfo><Message>{Marker}: invalid row 2 of this run; HARNESS_MAX_INVALID_ROWS=5 allows it.</Message></ErrorInfo></Output></UnitTestResult>
            <UnitTestResult testName="e" outcome="NotExecuted"><Output><ErrorInfo><Message>not run: another backend</Message></ErrorInfo></Output></UnitTestResult>
            <UnitTestResult testName="f" outcome="NotExecuted" />
            </Results>
            <ResultSummary outcome="Failed"><Counters total="6" executed="3" passed="1" failed="2" error="0" />
            <RunInfos><RunInfo outcome="Warning"><Text>b: {Marker}: invalid row 1 of this run</Text></RunInfo></RunInfos></ResultSummary></TestRun>
            """);
        try
        {
            // The last result is followed by the run's summary, whose outcome and log (quoting b's message) are
            // not the last result's: measured in CI at ef5dd86, it read "501 passed, -1 failed".
            Assert.Equal("1 1 2 2", Bash($"source ci/lib.sh; count_trx '{trx}'"));
            Assert.Equal(["FAILED b: " + Marker + ": invalid row 1 of this run; HARNESS_MAX_INVALID_ROWS=0 allows no more.", "FAILED c: Scenario 05: FAIL"],
                Bash($"source ci/lib.sh; list_failed '{trx}'").Split('\n'));
            Assert.Equal("1 passed, 1 failed, 1 skipped, 2 invalid", Bash("source ci/lib.sh; closing_line 1 1 1 2"));
            Assert.Equal("3 passed, 0 failed, 0 skipped", Bash("source ci/lib.sh; closing_line 3 0 0 0"));
        }
        finally
        {
            File.Delete(trx);
        }
    }

    [Fact]
    public void The_scenario_rows_and_ci_agree_on_the_marker()
    {
        Assert.Equal(Marker, Fixtures.TestbedFixture.InvalidRowMarker);
        Assert.Contains($"INVALID_ROW_MARKER='{Marker}'", File.ReadAllText(Path.Combine(RecordedRun.RepositoryRoot, "ci", "lib.sh")));
    }

    private static string Bash(string script)
    {
        var start = new ProcessStartInfo("bash", ["-c", script])
        {
            WorkingDirectory = RecordedRun.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(TimeSpan.FromSeconds(30));
        return output.Trim();
    }
}
