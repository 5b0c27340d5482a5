using System.Globalization;
using System.Text;
using Harness.Configuration;
using Harness.Remote;
using Harness.Reporting;
using Harness.Scenarios;
using Harness.Testbeds;

namespace Harness.Running;

/// <summary>
/// One run of the harness: provisions the testbed once, runs scenarios on it, records every result and always
/// tears down, also on SIGTERM / SIGINT (Ctrl-C) / SIGHUP. The xUnit fixture is a thin shell around this.
/// </summary>
public sealed class IsolationSession : IAsyncDisposable
{
    private readonly ITestbed _testbed;
    private readonly ScenarioRunner _runner;
    private readonly SshKeyPair _key;
    private readonly ProgressSink _progress;
    private readonly System.Diagnostics.Stopwatch _wall;
    private readonly TeardownOnExit _onExit;
    private readonly Lazy<Task> _teardown;
    private readonly Lock _saving = new();

    private IsolationSession(HarnessOptions options, ITestbed testbed, SshKeyPair key, ProgressSink progress, RunRecord record, string outputFolder, System.Diagnostics.Stopwatch wall)
    {
        Options = options;
        _testbed = testbed;
        _key = key;
        _progress = progress;
        Record = record;
        OutputFolder = outputFolder;
        _wall = wall;
        _runner = new ScenarioRunner(testbed, options, progress);
        // A signal and DisposeAsync may come at once: both wait for the one teardown.
        _teardown = new Lazy<Task>(TeardownAsync, LazyThreadSafetyMode.ExecutionAndPublication);
        _onExit = new TeardownOnExit(() => _teardown.Value, report: progress);
    }

    public HarnessOptions Options { get; }

    public RunRecord Record { get; }

    public string OutputFolder { get; }

    public string ResultsPath => Path.Combine(OutputFolder, "results.json");

    /// <summary>Set when a guest failed: later scenarios cannot run on this testbed.</summary>
    public string? Broken { get; private set; }

    public static string NewRunId() =>
        DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];

    public static Task<IsolationSession> StartAsync(HarnessOptions options, ProgressSink progress, CancellationToken cancellationToken) =>
        StartAsync(options, Backends.Named(options.Backend), progress, cancellationToken);

    /// <summary>A run on <paramref name="backend"/> rather than the one the settings name (the CLI's tests hand in a fake node).</summary>
    public static async Task<IsolationSession> StartAsync(
        HarnessOptions options, ITestbedBackend backend, ProgressSink progress, CancellationToken cancellationToken)
    {
        progress = NeverThrowing(progress);
        var wall = System.Diagnostics.Stopwatch.StartNew();
        var runId = NewRunId();
        var key = SshKeyPair.Create($"harness-{runId}");
        try
        {
            progress($"run {runId}: provisioning {options.GuestCount} guests on the {backend.Name} testbed");
            ITestbed testbed;
            // A stop signal during provisioning cancels it; each backend removes what it had created when it throws.
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var provisioning = backend.CreateAsync(new TestbedRequest(options, runId, key, progress), stop.Token);
                using (new TeardownOnExit(async () =>
                       {
                           await stop.CancelAsync().ConfigureAwait(false);
                           await (await provisioning.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
                       }, report: progress))
                {
                    testbed = await provisioning.ConfigureAwait(false);
                }
            }
            var folder = Path.Combine(options.OutputDirectory, runId);
            var facts = new Dictionary<string, string>(testbed.Facts);
            var record = new RunRecord
            {
                RunId = runId,
                StartedAt = DateTimeOffset.UtcNow,
                Testbed = facts,
                Settings = Describe(options),
            };
            var session = new IsolationSession(options, testbed, key, progress, record, folder, wall);
            try
            {
                facts["loadGeneratorVersion"] = await session._runner.GeneratorVersionAsync(cancellationToken).ConfigureAwait(false);
                session.SaveResults();
            }
            catch (Exception e)
            {
                // An output folder that cannot be written must not leave the guests running.
                progress($"run {runId}: results cannot be written ({e.Message}); tearing down");
                try
                {
                    await session.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The same folder fails the teardown's own save; the guests are gone by then, and the first error says why.
                }
                throw;
            }
            progress($"run {runId}: results in {session.ResultsPath}");
            return session;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>One save at a time: a scenario's end and a teardown on a signal may both write the record.</summary>
    internal void SaveResults()
    {
        lock (_saving) Record.Save(ResultsPath);
    }

    /// <summary>
    /// Progress must never stop a teardown: when the job that started us is killed, our stdout is a closed pipe
    /// and every write throws, exactly when the guests most need removing.
    /// </summary>
    private static ProgressSink NeverThrowing(ProgressSink progress) => message =>
    {
        try
        {
            progress(message);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Nobody is listening any more; the results file still records the run.
        }
    };

    public async Task<ScenarioResult> RunAsync(Scenario scenario, CancellationToken cancellationToken)
    {
        if (Broken is not null) throw new GuestFailedException($"not run: {Broken}");
        var started = DateTimeOffset.UtcNow;
        try
        {
            var result = await _runner.RunAsync(scenario, cancellationToken).ConfigureAwait(false);
            Record.Add(ToRecord(result));
            return result;
        }
        catch (Exception e)
        {
            if (e is GuestFailedException or GuestUnreachableException) Broken = $"the testbed broke in {scenario.Name}: {e.Message}";
            Record.AddError(scenario.Name, scenario.DisplayName, started, DateTimeOffset.UtcNow - started,
                e is OperationCanceledException ? "cancelled" : "error", e.Message);
            throw;
        }
        finally
        {
            SaveResults();
        }
    }

    /// <summary>Results are mapped to the record here, so that reporting knows nothing of how a run is made.</summary>
    private static ScenarioRecord ToRecord(ScenarioResult r) => new(
        r.Scenario.Name, r.Scenario.DisplayName, r.StartedAt, r.Wall.TotalSeconds,
        r.Verdict.Outcome.ToString().ToLowerInvariant(),
        r.Verdict.Reasons is { Count: > 0 } reasons ? string.Join("; ", reasons) : null, r.Guests, r.Verdict.Checks,
        // A fair-share row asks every guest for more CPU than it can get: its distance from that is no load error.
        r.Scenario.IsFairShare ? null : r.Guests.Max(g => Math.Abs(g.CpuError)), r.Guests.Max(g => Math.Abs(g.RamError)),
        r.Guests.Where(g => g.Host is { Difference.IsKnown: true }).Select(g => (double?)Math.Abs(g.Host!.Difference.Value)).Max(),
        r.Verdict.Notes,
        r.Repetitions > 0 ? r.Repetitions : null);

    /// <summary>The closing lines: wall time, worst load error, where the results are.</summary>
    public string Summary()
    {
        var sb = new StringBuilder();
        var passed = Record.Scenarios.Count(s => s.Outcome == "pass");
        var invalid = Record.Scenarios.Count(s => s.Outcome is "invalid" or "inconclusive");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"run {Record.RunId}: {Record.Scenarios.Count} scenario(s), {passed} pass, {invalid} invalid or inconclusive (not judged), {Record.Scenarios.Count - passed - invalid} failed or not run");
        sb.AppendLine(CultureInfo.InvariantCulture, $"suite wall time: {_wall.Elapsed.TotalSeconds:0} s");
        sb.AppendLine(ReportText.LoadErrors(Record));
        sb.AppendLine(HostViewText.SummaryLine(Record.Scenarios));
        foreach (var s in Record.Scenarios)
        {
            var host = s.MaxAbsHostDifference is { } d ? $" |in-guest - host| CPU {d:0.00}" : s.Guests.Count > 0 ? " (no host view)" : "";
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {s.Name}: {s.Outcome,-5} max |err| CPU {ReportText.Number(s.MaxAbsCpuError, "0.00")} RAM {ReportText.Number(s.MaxAbsRamError, "0.00")}{host}  ({s.WallSeconds:0} s, {s.Repetitions} repetitions)");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"results: {ResultsPath}");
        return sb.ToString();
    }

    private static Dictionary<string, string> Describe(HarnessOptions o) => new()
    {
        ["backend"] = o.Backend,
        ["guestCpus"] = o.GuestCpus.ToString(CultureInfo.InvariantCulture),
        ["guestMemoryMiB"] = o.GuestMemoryMiB.ToString(CultureInfo.InvariantCulture),
        ["guestImage"] = o.GuestImage,
        ["sampleIntervalSeconds"] = o.SampleInterval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ["settleSeconds"] = o.Settle.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ["windowSeconds"] = o.Window.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ["soloWindowSeconds"] = o.SoloWindow.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ["coRunWindowSeconds"] = o.CoRunWindow.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ["calibrationRoundSeconds"] = o.CalibrationRound.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ["calibrationMaxRounds"] = o.CalibrationMaxRounds.ToString(CultureInfo.InvariantCulture),
        ["calibrationTolerance"] = o.CalibrationTolerance.ToString(CultureInfo.InvariantCulture),
        ["cpuTolerance"] = o.CpuTolerance.ToString(CultureInfo.InvariantCulture),
        ["ramTolerance"] = o.RamTolerance.ToString(CultureInfo.InvariantCulture),
        ["scenarioFile"] = o.ScenarioFile ?? "",
        ["loadGenerator"] = Load.ILoadGenerator.For(o.LoadGenerator).Description,
        ["repetitions"] = o.Repetitions.ToString(CultureInfo.InvariantCulture),
        ["maxRepetitions"] = o.MaxRepetitions.ToString(CultureInfo.InvariantCulture),
        ["slowdownThreshold"] = o.SlowdownThreshold.ToString(CultureInfo.InvariantCulture),
        ["waitIncreaseThreshold"] = o.WaitIncreaseThreshold.ToString(CultureInfo.InvariantCulture),
        ["throughputLossThreshold"] = o.ThroughputLossThreshold.ToString(CultureInfo.InvariantCulture),
        ["soloMaxCov"] = o.SoloMaxCov.ToString(CultureInfo.InvariantCulture),
        ["fairShareTolerance"] = o.FairShareTolerance.ToString(CultureInfo.InvariantCulture),
        ["maxInvalidRows"] = o.MaxInvalidRows.ToString(CultureInfo.InvariantCulture),
        ["hostAgreementTolerance"] = o.HostAgreementTolerance.ToString(CultureInfo.InvariantCulture),
        ["quietHostTolerance"] = o.QuietHostTolerance.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Tears down once; every caller (and a stop signal) waits for that one teardown.</summary>
    public ValueTask DisposeAsync() => new(_teardown.Value);

    private async Task TeardownAsync()
    {
        _onExit.Dispose();
        _progress("tearing down the testbed");
        try
        {
            await _runner.DisposeAsync().ConfigureAwait(false);
            await _testbed.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _key.Dispose();
            Record.FinishedAt = DateTimeOffset.UtcNow;
            Record.WallSeconds = _wall.Elapsed.TotalSeconds;
            await WriteRecordsAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteRecordsAsync()
    {
        SaveResults();
        await File.WriteAllTextAsync(Path.Combine(OutputFolder, "summary.txt"), Summary()).ConfigureAwait(false);
        try
        {
            await RunReports.WriteAllAsync(Record, OutputFolder, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The results file is the record; a report that cannot be drawn must not hide it. An export error names its exporter.
            _progress($"reports: {e.Message}");
        }
    }
}
