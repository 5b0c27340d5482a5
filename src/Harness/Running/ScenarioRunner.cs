using Harness.Analysis;
using Harness.Configuration;
using Harness.Load;
using Harness.Sampling;
using Harness.Scenarios;
using Harness.Testbeds;

namespace Harness.Running;

/// <summary>The result of one scenario: per-guest measurements and the verdict.</summary>
/// <param name="Repetitions">Paired repetitions measured, confirming ones included.</param>
public sealed record ScenarioResult(
    Scenario Scenario, DateTimeOffset StartedAt, TimeSpan Wall, IReadOnlyList<GuestMeasurement> Guests, Verdict Verdict, int Repetitions = 0)
{
    /// <summary>The verdict's table and, under it, each guest's CPU as it saw it against the host's view.</summary>
    public string ToTable() =>
        Verdict.ToTable()
        + (Reporting.ReportText.Allocations(Guests) is { } allocations ? $"allocation: {allocations}{Environment.NewLine}" : "")
        + Reporting.HostViewText.Table(Guests, Verdict.Checks);
}

/// <summary>
/// Runs scenarios on a provisioned testbed: load control puts every guest's load on target, the measurement
/// protocol takes the paired co-run and solo segments, the judge turns them into a verdict. Owns one streaming
/// sampler per guest for the testbed's life.
/// </summary>
public sealed class ScenarioRunner : IAsyncDisposable
{
    private readonly ITestbed _testbed;
    private readonly HarnessOptions _options;
    private readonly ProgressSink _progress;
    private readonly TimeProvider _time;
    private readonly LoadControl _loads;
    private readonly MeasurementProtocol _protocol;
    private readonly RepetitionPolicy _repetitions;
    private readonly Dictionary<string, GuestSampler> _samplers;

    public ScenarioRunner(ITestbed testbed, HarnessOptions options, ProgressSink progress, TimeProvider? time = null)
    {
        _testbed = testbed;
        _options = options;
        _progress = progress;
        _time = time ?? TimeProvider.System;
        var generator = ILoadGenerator.For(options.LoadGenerator);
        _loads = new LoadControl(generator, options, progress, _time);
        _protocol = new MeasurementProtocol(generator, options.Window, progress, _time, testbed.HostView);
        _repetitions = new RepetitionPolicy(options.Repetitions, options.MaxRepetitions);
        _samplers = testbed.Guests.ToDictionary(
            g => g.Name, g => new GuestSampler(g.Shell, g.SamplerSource, options.SampleInterval, generator.ProcessNames, _time, options.GuestSilence));
    }

    public async Task<ScenarioResult> RunAsync(Scenario scenario, CancellationToken cancellationToken)
    {
        var (runs, idle) = Match(scenario);
        var started = _time.GetUtcNow();
        var mostRepetitions = _repetitions.Worst + 1;
        var windows = _options.WindowsFor(runs.Select(r => r.Load));
        // Every load carries this as its own --timeout: long enough for the scenario, short enough that a lost
        // harness cannot leave it running for long.
        var lifetime = _options.CalibrationRound * (_options.CalibrationMaxRounds + 2)
                       + (windows.CoRun + windows.Solo * runs.Length + TimeSpan.FromSeconds(runs.Length + 1)) * mostRepetitions
                       + _options.Settle + TimeSpan.FromMinutes(3);
        FairShareWeights? weights = null;
        try
        {
            if (Unsized(runs) is { } unsized) throw new ScenarioNotRunnableException($"{scenario.Name} cannot run on this testbed: {unsized}");
            // Idle guests too: whatever an earlier row left in them would be a neighbour this row does not name.
            await GuestRun.ForEach(runs.Concat(idle), _loads.StopAllAsync, cancellationToken).ConfigureAwait(false);
            if (idle.Length > 0) _progress($"{scenario.Name}: {string.Join(", ", idle.Select(r => r.Name))} stay idle (not in this row)");
            await GuestRun.ForEach(runs, (r, ct) => r.Sampler.WaitForSamplesAsync(_time.GetUtcNow(), 2, ct), cancellationToken).ConfigureAwait(false);
            // The level the host's use outside the guests is held to, taken while nothing of the scenario runs yet.
            var quiet = await _protocol.MeasureOutsideAsync(runs, _options.Window * 2, cancellationToken).ConfigureAwait(false);

            // Checked for every guest before any load starts: an impossible target must not leave half a scenario behind.
            if (_loads.Impossible(runs) is { } impossible) throw new ScenarioNotRunnableException($"{scenario.Name} cannot run here: {impossible}");

            if (scenario.IsFairShare) weights = await FairShareWeights.ApplyAsync(_testbed, scenario, runs, cancellationToken).ConfigureAwait(false);

            var channels = new ChannelRun(scenario, runs, _options);
            await channels.StartAsync(lifetime, _time, cancellationToken).ConfigureAwait(false);

            _progress($"{scenario.Name}: filling memory");
            await GuestRun.ForEach(runs, (r, ct) => _loads.FillMemoryAsync(r, lifetime, ct), cancellationToken).ConfigureAwait(false);
            await GuestRun.ForEach(runs, async (r, ct) =>
            {
                await r.RunAsync(Probe.Start(Probe.DefaultIterations, Probe.DefaultGap, lifetime), ct).ConfigureAwait(false);
                await _loads.StartCpuAsync(r, lifetime, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);

            _progress($"{scenario.Name}: calibrating loads");
            var restarted = await _loads.CalibrateAsync(runs, _protocol, lifetime, cancellationToken).ConfigureAwait(false);
            var refilled = await Task.WhenAll(runs.Select(r => _loads.TrimMemoryAsync(r, lifetime, cancellationToken))).ConfigureAwait(false);

            // Loads that calibration's last round measured on target, unchanged since, have already run through a
            // warm-up and a whole round at their setting: settling them again would only spend time.
            if (restarted || refilled.Any(r => r))
            {
                _progress($"{scenario.Name}: settling {_options.Settle.TotalSeconds:0.#} s");
                await Task.Delay(_options.Settle, _time, cancellationToken).ConfigureAwait(false);
            }

            var (guests, verdict, repetitions) = await MeasureAndJudgeAsync(scenario, runs, windows, weights, channels, quiet, cancellationToken).ConfigureAwait(false);
            _progress($"{scenario.Name}: stopping loads");
            await GuestRun.ForEach(runs, _loads.StopAllAsync, cancellationToken).ConfigureAwait(false);
            return new ScenarioResult(scenario, started, _time.GetUtcNow() - started, guests, verdict, repetitions);
        }
        catch (Exception e) when (e is not (GuestFailedException or ScenarioNotRunnableException) && !cancellationToken.IsCancellationRequested)
        {
            throw await ExplainFailureAsync(runs, e).ConfigureAwait(false);
        }
        finally
        {
            await _loads.BestEffortStopAsync(runs).ConfigureAwait(false);
            if (weights is not null) await weights.RestoreAsync(_progress).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Measures repetitions and judges them until <see cref="RepetitionPolicy"/> says stop: more while a check is
    /// undecided, as many again in reverse order while a fail is unconfirmed. Every judgement uses all segments so far.
    /// </summary>
    private async Task<(GuestMeasurement[] Guests, Verdict Verdict, int Repetitions)> MeasureAndJudgeAsync(
        Scenario scenario, GuestRun[] runs, SegmentWindows windows, FairShareWeights? weights, ChannelRun channels, double? quiet, CancellationToken ct)
    {
        var segments = new List<GuestSegment>();
        var probes = runs.ToDictionary(r => r.Name, _ => new List<ProbeSample>());
        var note = weights is null ? null : await weights.FoundAsync(ct).ConfigureAwait(false);
        var log = new RepetitionPolicy.Log();
        var (done, count, confirming) = (0, _repetitions.First, false);
        var measuring = _time.GetUtcNow();
        while (true)
        {
            segments.AddRange(await _protocol.MeasureAsync(scenario.Name, runs, done + 1, count, confirming, windows, ct).ConfigureAwait(false));
            done += count;
            // The probe's log is emptied as it is read, so each batch adds only its own runs.
            foreach (var r in runs) probes[r.Name].AddRange(Probe.Parse(await r.RunAsync(Probe.Collect, ct).ConfigureAwait(false)));
            await channels.CollectAsync(ct).ConfigureAwait(false);
            var (guests, verdict) = ScenarioJudge.Judge(
                scenario, runs, segments, probes.ToDictionary(p => p.Key, p => (IReadOnlyList<ProbeSample>)p.Value), ScenarioJudge.Thresholds(_options), _options.HostAgreementTolerance);
            verdict = channels.Judge(verdict, segments);
            if (note is not null)
            {
                var shares = runs.Select(r => new FairShareJudge.Guest(
                    r.Name, r.Load.CpuWeight ?? 1, r.Guest.Allocation.Cpus, guests.Single(g => g.Guest == r.Name).Segments ?? [])).ToArray();
                verdict = FairShareJudge.Judge(verdict, shares, _options.FairShareTolerance, note);
            }
            // A host that cannot split its CPU per segment is judged over the whole measurement so far; without a
            // level from before calibration there is nothing to judge it against, and no reason to wait for it.
            var overall = quiet is null || segments.Any(s => s.Host?.OutsideCpuPercent is not null)
                ? null
                : await _protocol.OutsideSinceAsync(measuring, ct).ConfigureAwait(false);
            var (busy, hostNote) = QuietHost.Judge(quiet, segments, _options.QuietHostTolerance, overall);
            verdict = verdict with
            {
                InvalidReasons = [.. verdict.InvalidReasons ?? [], .. busy is null ? Array.Empty<string>() : [busy]],
                Notes = [.. verdict.Notes ?? [], .. hostNote is null ? Array.Empty<string>() : [hostNote]],
            };
            var (action, more) = _repetitions.Next(verdict, done, confirming);
            if (action == RepetitionPolicy.Action.Stop)
            {
                return (guests, verdict with { Notes = [.. verdict.Notes ?? [], .. log.Notes(verdict, done, confirming)] }, done);
            }
            var line = action == RepetitionPolicy.Action.Confirm ? log.Confirming(verdict, done) : log.Extended(verdict, done, more);
            _progress($"{scenario.Name}: {line}");
            (count, confirming) = (more, action == RepetitionPolicy.Action.Confirm);
        }
    }

    /// <summary>The load generator's version line, read in the first guest, for the results' testbed facts.</summary>
    public async Task<string> GeneratorVersionAsync(CancellationToken cancellationToken)
    {
        if (_testbed.Guests.Count == 0) return "unknown (no guest)";
        var result = await _testbed.Guests[0].Shell.RunAsync(_loads.Generator.VersionCommand, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result.Output.Trim() : $"unknown (exit {result.ExitCode})";
    }

    /// <summary>
    /// Scenario guests are matched to testbed guests by name, so the order of a scenario file does not matter. The
    /// testbed's other guests stay idle: no load and no probe, only their sampler; they are neither measured, frozen
    /// nor judged, and being the same in every segment they cancel out of each co-run/solo pair.
    /// </summary>
    private (GuestRun[] Runs, GuestRun[] Idle) Match(Scenario scenario)
    {
        var guests = _testbed.Guests;
        var unknown = scenario.Loads.Where(l => guests.All(g => g.Name != l.Guest)).Select(l => l.Guest).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException(
                $"{scenario.Name} names guests {string.Join(", ", scenario.Loads.Select(l => l.Guest))}; the testbed has {string.Join(", ", guests.Select(g => g.Name))}"
                + $" (unknown: {string.Join(", ", unknown)})", nameof(scenario));
        }
        var runs = guests.Where(g => scenario.Loads.Any(l => l.Guest == g.Name))
            .Select(g => new GuestRun(g, scenario.Loads.Single(l => l.Guest == g.Name), _samplers[g.Name])).ToArray();
        var idle = guests.Where(g => scenario.Loads.All(l => l.Guest != g.Name))
            .Select(g => new GuestRun(g, new GuestLoad(g.Name, 0, 0), _samplers[g.Name])).ToArray();
        return (runs, idle);
    }

    /// <summary>Guests whose allocation is not the size their row gives them (a row run on a testbed not planned for it), or null.</summary>
    private static string? Unsized(IEnumerable<GuestRun> runs)
    {
        var wrong = runs.Where(r => r.Load.SizeOrDefault is var size
                                    && ((size.Cpus is { } c && Math.Abs(c - r.Guest.Allocation.Cpus) > 1e-6)
                                        || (size.MemoryMiB is { } m && m * 1024 * 1024 != r.Guest.Allocation.MemoryBytes)))
            .Select(r => string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{r.Name} has {r.Guest.Allocation.Cpus:0.###} CPU, {r.Guest.Allocation.MemoryBytes / (1024 * 1024)} MiB; the row asks for {r.Load.SizeOrDefault}"))
            .ToArray();
        return wrong.Length == 0 ? null : string.Join("; ", wrong);
    }

    // How long a guest killed from outside may still read as running after its connection broke (seen: a second).
    private static readonly TimeSpan StateLag = TimeSpan.FromSeconds(3);

    private static async Task<Exception> ExplainFailureAsync(IReadOnlyList<GuestRun> runs, Exception e)
    {
        // The guest's own state is the cause when it has one. When the connection or a sampler broke, the backend may
        // not report the guest's death yet, so it is asked again for a moment before the symptom stands for the cause.
        var symptom = e is Remote.GuestUnreachableException || runs.Any(r => r.Sampler.Failure is not null);
        var deadline = DateTime.UtcNow + (symptom ? StateLag : TimeSpan.Zero);
        while (true)
        {
            foreach (var r in runs)
            {
                if (await StateOfAsync(r).ConfigureAwait(false) is { } reason) return Failed(r, reason, e);
            }
            if (DateTime.UtcNow >= deadline) break;
            await Task.Delay(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        }
        // A guest that stays unreachable after the reconnection budget is a broken testbed, whatever else is known.
        if (e is Remote.GuestUnreachableException) return new GuestFailedException(e.Message, e);
        return runs.FirstOrDefault(r => r.Sampler.Failure is not null) is { } lost ? Failed(lost, lost.Sampler.Failure!, e) : e;
    }

    private static async Task<string?> StateOfAsync(GuestRun run)
    {
        try
        {
            return await run.Guest.CheckAliveAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception check)
        {
            return $"its state could not be read ({check.Message})";
        }
    }

    private static GuestFailedException Failed(GuestRun run, string reason, Exception e) =>
        new($"guest {run.Name} ({run.Guest.Identity}) failed: {reason}", e);

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _samplers.Values) await s.DisposeAsync().ConfigureAwait(false);
    }
}
