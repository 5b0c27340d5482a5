using System.Globalization;
using Harness.Analysis;
using Harness.Configuration;
using Harness.Load;
using Harness.Sampling;
using Harness.Scenarios;
using Harness.Testbeds;

namespace Harness.Running;

/// <summary>A guest failed during a scenario. The message names the guest and the cause.</summary>
public sealed class GuestFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A scenario asks for something this testbed cannot give (say, a RAM target below what a guest uses at idle).
/// That scenario fails with the reason; the testbed is fine and later scenarios run.
/// </summary>
public sealed class ScenarioNotRunnableException(string message) : Exception(message);

/// <summary>The result of one scenario: per-guest measurements and the verdict.</summary>
public sealed record ScenarioResult(
    Scenario Scenario, DateTimeOffset StartedAt, TimeSpan Wall, IReadOnlyList<GuestMeasurement> Guests, Verdict Verdict);

/// <summary>
/// Runs scenarios on a provisioned testbed:
/// 1. fills each guest's memory, then brings every CPU load to target with all guests running, by a short closed
///    loop — settings found start later scenarios at the same level;
/// 2. measures paired repetitions: one co-run segment (all loaded) and one solo segment per guest (the others
///    frozen with SIGSTOP, the guest itself at the very same load setting), in a random order per repetition, so
///    slow drift of a shared host hits both sides and co-run and solo differ only by the neighbours;
/// 3. stops every load, checks none is left, and judges each guest co-run against its own solo reference.
/// Owns one streaming sampler per guest for the testbed's life.
/// </summary>
public sealed class ScenarioRunner : IAsyncDisposable
{
    // stress-ng's own pages (binary, libraries, its parent process) come on top of --vm-bytes.
    private const long VmOverheadBytes = 3 * 1024 * 1024;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan StateChange = TimeSpan.FromMilliseconds(300);

    private readonly ITestbed _testbed;
    private readonly HarnessOptions _options;
    private readonly ProgressSink _progress;
    private readonly TimeProvider _time;
    private readonly ILoadGenerator _load;
    private readonly Dictionary<string, GuestSampler> _samplers;
    private readonly Dictionary<(string Guest, double Cpu), int> _cpuSettings = new();

    public ScenarioRunner(ITestbed testbed, HarnessOptions options, ProgressSink progress, TimeProvider? time = null)
    {
        _testbed = testbed;
        _options = options;
        _progress = progress;
        _time = time ?? TimeProvider.System;
        _load = ILoadGenerator.For(options.LoadGenerator);
        _samplers = testbed.Guests.ToDictionary(g => g.Name, g => new GuestSampler(g.Shell, g.SamplerSource, options.SampleInterval, _time));
    }

    public async Task<ScenarioResult> RunAsync(Scenario scenario, CancellationToken cancellationToken)
    {
        if (scenario.Loads.Count != _testbed.Guests.Count)
        {
            throw new ArgumentException($"{scenario.Name} has {scenario.Loads.Count} guests; the testbed has {_testbed.Guests.Count}.", nameof(scenario));
        }
        var started = _time.GetUtcNow();
        var plans = _testbed.Guests.Zip(scenario.Loads, (g, l) => new GuestPlan(g, l, _samplers[g.Name])).ToArray();
        var segments = (_options.Repetitions + 1) * (plans.Length + 1);
        var lifetime = _options.CalibrationRound * (_options.CalibrationMaxRounds + 2) * plans.Length
                       + (_options.Window + TimeSpan.FromSeconds(1)) * segments + _options.Settle + TimeSpan.FromMinutes(3);
        try
        {
            await ForEachGuest(plans, (p, ct) => StopAllAsync(p, ct), cancellationToken).ConfigureAwait(false);
            await ForEachGuest(plans, (p, ct) => p.Sampler.WaitForSamplesAsync(_time.GetUtcNow(), 2, ct), cancellationToken).ConfigureAwait(false);

            // Checked for every guest before any load starts: an impossible target must not leave half a scenario behind.
            var impossible = plans.Select(RamBelowIdle).OfType<string>().ToArray();
            if (impossible.Length > 0) throw new ScenarioNotRunnableException($"{scenario.Name} cannot run here: {string.Join("; ", impossible)}");

            _progress($"{scenario.Name}: filling memory");
            await ForEachGuest(plans, (p, ct) => FillMemoryAsync(p, lifetime, ct), cancellationToken).ConfigureAwait(false);
            await ForEachGuest(plans, async (p, ct) =>
            {
                await RunChecked(p, Probe.Start(Probe.DefaultIterations, Probe.DefaultGap, lifetime), ct).ConfigureAwait(false);
                p.CpuSetting = _cpuSettings.TryGetValue((p.Guest.Name, p.Load.CpuPercent), out var known)
                    ? known
                    : _load.OpenLoopSetting(p.Load.CpuPercent, p.Guest.Allocation.Cpus);
                if (p.Load.CpuPercent > 0) await StartCpuAsync(p, lifetime, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);

            _progress($"{scenario.Name}: calibrating loads");
            await CalibrateAsync(plans, lifetime, cancellationToken).ConfigureAwait(false);

            _progress($"{scenario.Name}: settling {_options.Settle.TotalSeconds:0.#} s");
            await Task.Delay(_options.Settle, _time, cancellationToken).ConfigureAwait(false);

            var measured = await MeasureAsync(scenario, plans, cancellationToken).ConfigureAwait(false);

            _progress($"{scenario.Name}: stopping loads");
            var probes = new Dictionary<string, IReadOnlyList<ProbeSample>>();
            foreach (var p in plans)
            {
                probes[p.Guest.Name] = Probe.Parse(await RunChecked(p, Probe.Collect, cancellationToken).ConfigureAwait(false));
            }
            await ForEachGuest(plans, (p, ct) => StopAllAsync(p, ct), cancellationToken).ConfigureAwait(false);

            var (measurements, verdict) = Judge(scenario, plans, measured, probes);
            return new ScenarioResult(scenario, started, _time.GetUtcNow() - started, measurements, verdict);
        }
        catch (Exception e) when (e is not (GuestFailedException or ScenarioNotRunnableException) && !cancellationToken.IsCancellationRequested)
        {
            throw await ExplainFailureAsync(plans, e).ConfigureAwait(false);
        }
        finally
        {
            // Loads never outlive their scenario, whatever happened above.
            await BestEffortStopAsync(plans).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Memory first, until it holds still: the memory stressor needs CPU from the same quota while it touches its
    /// pages, so filling memory under a CPU load is slow and distorts both readings.
    /// </summary>
    private async Task FillMemoryAsync(GuestPlan p, TimeSpan lifetime, CancellationToken ct)
    {
        var alloc = p.Guest.Allocation;
        var idle = p.Sampler.Latest ?? throw new GuestFailedException($"guest {p.Guest.Name}: no samples yet");
        var limit = Usage.MemoryLimit(idle, alloc);
        p.MemoryBytes = ClampMemory((long)(p.Load.RamPercent / 100 * limit) - Usage.UsedBytes(idle, alloc) - VmOverheadBytes, p, limit);
        for (var attempt = 0; attempt < 4 && p.MemoryBytes > 0; attempt++)
        {
            if (attempt > 0) await RunChecked(p, StressNg.StopMemory, ct).ConfigureAwait(false);
            await RunChecked(p, _load.StartMemory(p.MemoryBytes, lifetime), ct).ConfigureAwait(false);
            var ram = await WaitForSteadyMemoryAsync(p, ct).ConfigureAwait(false);
            p.RamErrorAfter = ram - p.Load.RamPercent;
            if (Math.Abs(p.RamErrorAfter) <= _options.CalibrationTolerance) break;
            p.MemoryBytes = ClampMemory(p.MemoryBytes - (long)(p.RamErrorAfter / 100 * limit), p, limit);
        }
    }

    private string? RamBelowIdle(GuestPlan p)
    {
        var idle = p.Sampler.Latest ?? throw new GuestFailedException($"guest {p.Guest.Name}: no samples yet");
        var idlePercent = Usage.RamPercent(idle, p.Guest.Allocation);
        return p.Load.RamPercent + _options.RamTolerance < idlePercent
            ? string.Create(CultureInfo.InvariantCulture,
                $"guest {p.Guest.Name}: RAM target {p.Load.RamPercent:0.#}% is below what it already uses at idle ({idlePercent:0.#}%). Raise the target or give the guest more memory")
            : null;
    }

    // Never ask for more than the target itself: more could only end in the guest's OOM killer.
    private static long ClampMemory(long bytes, GuestPlan p, long limit) =>
        Math.Clamp(bytes, 0, (long)(p.Load.RamPercent / 100 * limit));

    /// <summary>RAM % once two consecutive intervals change it by less than a tenth of a point.</summary>
    private async Task<double> WaitForSteadyMemoryAsync(GuestPlan p, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(120);
        var previous = double.NaN;
        var steady = 0;
        while (true)
        {
            var now = _time.GetUtcNow();
            await p.Sampler.WaitForSamplesAsync(now, 1, ct).ConfigureAwait(false);
            var ram = Usage.RamPercent(p.Sampler.Latest!, p.Guest.Allocation);
            steady = Math.Abs(ram - previous) < 0.1 ? steady + 1 : 0;
            previous = ram;
            if (steady >= 2 || now > deadline) return ram;
        }
    }

    private async Task StartCpuAsync(GuestPlan p, TimeSpan lifetime, CancellationToken ct)
    {
        await RunChecked(p, _load.StartCpu(p.Guest.Allocation.Cpus, p.CpuSetting, lifetime), ct).ConfigureAwait(false);
        p.Frozen = null; // a fresh load runs; whether its probe is frozen is for the next freeze or thaw to settle
    }

    /// <summary>
    /// Brings every guest's CPU load to its target with all neighbours running — the scenario as the paper defines
    /// it — by a closed loop: measure a round (after a warm-up, so restarts do not bias it), correct the guests that
    /// are off, repeat. Settings found start the next scenario at the same level, which is then only checked.
    /// The solo segments later run the very same settings, so co-run and solo differ only by the neighbours: what
    /// the guest gets done alone at its setting, against what it gets done among them, is its lost throughput.
    /// </summary>
    private async Task CalibrateAsync(GuestPlan[] plans, TimeSpan lifetime, CancellationToken ct)
    {
        var tolerance = _options.CalibrationTolerance;
        var loaded = plans.Where(p => p.Load.CpuPercent > 0).ToArray();
        var best = loaded.ToDictionary(p => p, p => (Setting: p.CpuSetting, Error: double.PositiveInfinity));
        foreach (var p in plans.Where(p => p.Load.CpuPercent <= 0)) p.Converged = true;
        for (var round = 1; round <= _options.CalibrationMaxRounds && loaded.Any(p => !p.Converged); round++)
        {
            await Task.Delay(WarmUp, _time, ct).ConfigureAwait(false);
            var measured = await Task.WhenAll(loaded.Select(p => MeasureCpuAsync(p, _options.CalibrationRound, ct))).ConfigureAwait(false);
            var restarts = new List<Task>();
            for (var i = 0; i < loaded.Length; i++)
            {
                var p = loaded[i];
                var error = measured[i] - p.Load.CpuPercent;
                p.Rounds = round;
                if (round == 1) p.CpuErrorBefore = error;
                p.CpuErrorAfter = error;
                if (Math.Abs(error) < Math.Abs(best[p].Error)) best[p] = (p.CpuSetting, error);
                p.Converged = Math.Abs(error) <= tolerance;
                if (p.Converged) continue;
                p.CpuSetting = CpuSetting.Correct(p.CpuSetting, measured[i], p.Load.CpuPercent);
                restarts.Add(RestartCpuAsync(p, lifetime, ct));
            }
            _progress(string.Create(CultureInfo.InvariantCulture,
                $"  calibration round {round}: {string.Join(", ", loaded.Select((p, i) => $"{p.Guest.Name} {measured[i]:0.0}% for {p.Load.CpuPercent:0.#}%"))}"));
            await Task.WhenAll(restarts).ConfigureAwait(false);
        }
        foreach (var p in loaded.Where(p => !p.Converged && best[p].Setting != p.CpuSetting))
        {
            // Out of rounds: keep the closest setting seen; the verdict reports the miss as invalid.
            p.CpuSetting = best[p].Setting;
            p.CpuErrorAfter = best[p].Error;
            await RestartCpuAsync(p, lifetime, ct).ConfigureAwait(false);
        }
        foreach (var p in loaded) _cpuSettings[(p.Guest.Name, p.Load.CpuPercent)] = p.CpuSetting;
    }

    /// <summary>
    /// CPU % over a calibration round, measured exactly as the repetitions measure a segment (snapshot, window,
    /// snapshot, pause), so that the measurement's own cost inside the guest is the same in both and calibrated in.
    /// </summary>
    private async Task<double> MeasureCpuAsync(GuestPlan p, TimeSpan round, CancellationToken ct)
    {
        var windows = Math.Max(1, (int)Math.Round(round / _options.Window));
        double cpuSeconds = 0, wall = 0;
        for (var i = 0; i < windows; i++)
        {
            await Task.Delay(StateChange, _time, ct).ConfigureAwait(false);
            var start = await SnapshotAsync(p, ct).ConfigureAwait(false);
            await Task.Delay(_options.Window, _time, ct).ConfigureAwait(false);
            var end = await SnapshotAsync(p, ct).ConfigureAwait(false);
            var seconds = end.GuestTime - start.GuestTime;
            cpuSeconds += Usage.Cpu(start, end, p.Guest.Allocation).CpuPercent / 100 * seconds;
            wall += seconds;
        }
        return wall > 0 ? cpuSeconds / wall * 100 : double.NaN;
    }

    private async Task<List<GuestSegment>> MeasureAsync(Scenario scenario, GuestPlan[] plans, CancellationToken ct)
    {
        // Seeded by the scenario, so a rerun measures in the same order and results can be compared.
        var random = new Random(StableHash(scenario.Name));
        var result = new List<GuestSegment>();
        for (var rep = 1; rep <= _options.Repetitions; rep++)
        {
            var order = new List<Segment> { new(rep, SegmentKind.CoRun, null) };
            order.AddRange(plans.Select(p => new Segment(rep, SegmentKind.Solo, p.Guest.Name)));
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(order));
            _progress($"{scenario.Name}: measuring repetition {rep}/{_options.Repetitions} ({string.Join(", ", order.Select(s => s.SoloGuest is { } g ? g + " alone" : "co-run"))})");
            foreach (var segment in order)
            {
                var active = segment.SoloGuest is { } solo ? plans.First(p => p.Guest.Name == solo) : null;
                await SetFrozenAsync(plans, except: active, ct).ConfigureAwait(false);
                await Task.Delay(StateChange, _time, ct).ConfigureAwait(false);
                var measuredPlans = plans.Where(p => segment.Measures(p.Guest.Name)).ToArray();
                var starts = await Task.WhenAll(measuredPlans.Select(p => SnapshotAsync(p, ct))).ConfigureAwait(false);
                await Task.Delay(_options.Window, _time, ct).ConfigureAwait(false);
                var ends = await Task.WhenAll(measuredPlans.Select(p => SnapshotAsync(p, ct))).ConfigureAwait(false);
                for (var i = 0; i < measuredPlans.Length; i++)
                {
                    result.Add(new GuestSegment(segment, measuredPlans[i].Guest.Name, starts[i], ends[i]));
                }
            }
        }
        await SetFrozenAsync(plans, except: null, ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>Freezes every guest but <paramref name="except"/>, or thaws all when it is null; only changes are sent.</summary>
    private static Task SetFrozenAsync(GuestPlan[] plans, GuestPlan? except, CancellationToken ct) =>
        Task.WhenAll(plans.Select(async p =>
        {
            var frozen = except is not null && p != except;
            if (frozen == p.Frozen) return;
            await RunChecked(p, frozen ? StressNg.Pause : StressNg.Resume, ct).ConfigureAwait(false);
            p.Frozen = frozen;
        }));

    private async Task<CounterSample> SnapshotAsync(GuestPlan p, CancellationToken ct)
    {
        var output = await RunChecked(p, SamplerScript.Command(p.Guest.SamplerSource, TimeSpan.Zero), ct).ConfigureAwait(false);
        return CounterSample.Parse(output.Trim(), _time.GetUtcNow())
               ?? throw new GuestFailedException($"guest {p.Guest.Name}: unreadable counter snapshot '{output.Trim()}'");
    }

    private (GuestMeasurement[] Guests, Verdict Verdict) Judge(
        Scenario scenario, GuestPlan[] plans, List<GuestSegment> segments, Dictionary<string, IReadOnlyList<ProbeSample>> probes)
    {
        var limits = new IsolationThresholds(_options.CpuTolerance, _options.RamTolerance, _options.WaitThreshold,
            _options.DegradationThreshold, _options.SoloMaxCov);
        var checks = new List<Check>();
        var invalid = new List<string>();
        var guests = new List<GuestMeasurement>();
        var seed = StableHash(scenario.Name);
        foreach (var p in plans)
        {
            var name = p.Guest.Name;
            var values = segments.Where(s => s.Guest == name)
                .Select(s => (s.Segment, Values: SegmentValues.Of(s, probes[name], p.Guest.Allocation)))
                .ToArray();
            var pairs = values.Where(v => v.Segment.Kind == SegmentKind.CoRun)
                .Join(values.Where(v => v.Segment.Kind == SegmentKind.Solo), c => c.Segment.Repetition, s => s.Segment.Repetition,
                    (c, s) => (CoRun: c.Values, Solo: s.Values))
                .ToArray();
            var waitSource = p.Guest.SamplerSource == SamplerSource.Procfs ? "steal" : "run-queue wait";
            var (metrics, guestChecks, guestInvalid) = InterferenceJudge.Judge(p.Load, pairs, limits, waitSource, seed++);
            checks.AddRange(guestChecks);
            invalid.AddRange(guestInvalid);
            if (!p.Converged)
            {
                invalid.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: CPU load not brought to target with its neighbours running (closest {p.Load.CpuPercent + p.CpuErrorAfter:0.0}% for {p.Load.CpuPercent:0.#}% after {p.Rounds} rounds)"));
            }

            var coRun = segments.Where(s => s.Guest == name && s.Segment.Kind == SegmentKind.CoRun).ToArray();
            var series = coRun.SelectMany(s => p.Sampler.Between(s.Start.ReceivedAt, s.End.ReceivedAt)).ToArray();
            var points = Usage.Series(series, p.Guest.Allocation);
            guests.Add(new GuestMeasurement(
                name, p.Guest.Identity, p.Load.CpuPercent, p.Load.RamPercent, metrics.CoRunCpu.Value, metrics.CoRunRam.Value,
                SeriesSummary.Of(coRun.Select(s => Usage.Cpu(s.Start, s.End, p.Guest.Allocation).CpuPercent)),
                SeriesSummary.Of(coRun.Select(s => Usage.RamPercent(s.End, p.Guest.Allocation))),
                SeriesSummary.Of(points.Select(s => s.StealPercent)),
                coRun.Sum(s => s.End.GuestTime - s.Start.GuestTime),
                new CalibrationOutcome(p.Rounds, p.Converged, p.CpuSetting, Math.Max(0, p.MemoryBytes), p.CpuErrorBefore, p.CpuErrorAfter, p.RamErrorAfter),
                points,
                metrics));
        }
        return (guests.ToArray(), new Verdict(scenario.DisplayName, checks, invalid));
    }

    private async Task RestartCpuAsync(GuestPlan p, TimeSpan lifetime, CancellationToken ct)
    {
        await RunChecked(p, StressNg.StopCpu, ct).ConfigureAwait(false);
        await StartCpuAsync(p, lifetime, ct).ConfigureAwait(false);
    }

    private static async Task StopAllAsync(GuestPlan p, CancellationToken ct)
    {
        var left = await RunChecked(p, StressNg.StopAllAndList, ct).ConfigureAwait(false);
        p.Frozen = false;
        if (!string.IsNullOrWhiteSpace(left))
        {
            throw new GuestFailedException($"guest {p.Guest.Name}: load processes still running after stop: {left.Trim()}");
        }
    }

    private static async Task BestEffortStopAsync(GuestPlan[] plans)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Task.WhenAll(plans.Select(async p =>
        {
            try
            {
                await p.Guest.Shell.RunAsync(StressNg.StopAllAndList, cts.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The guest may be gone; its teardown removes it together with any load.
            }
        })).ConfigureAwait(false);
    }

    private static async Task<string> RunChecked(GuestPlan p, string command, CancellationToken ct)
    {
        var result = await p.Guest.Shell.RunAsync(command, ct).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new GuestFailedException($"guest {p.Guest.Name}: command failed with exit code {result.ExitCode}: {result.Error.Trim()}");
        }
        return result.Output;
    }

    private static Task ForEachGuest(GuestPlan[] plans, Func<GuestPlan, CancellationToken, Task> action, CancellationToken ct) =>
        Task.WhenAll(plans.Select(p => action(p, ct)));

    private static async Task<Exception> ExplainFailureAsync(GuestPlan[] plans, Exception e)
    {
        foreach (var p in plans)
        {
            string? reason;
            try
            {
                reason = await p.Guest.CheckAliveAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception check)
            {
                reason = $"its state could not be read ({check.Message})";
            }
            reason ??= p.Sampler.Failure;
            if (reason is not null)
            {
                return new GuestFailedException($"guest {p.Guest.Name} ({p.Guest.Identity}) failed: {reason}", e);
            }
        }
        return e;
    }

    // string.GetHashCode is randomised per process; results must be reproducible across runs.
    private static int StableHash(string text) =>
        text.Aggregate(17, (h, c) => unchecked(h * 31 + c));

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _samplers.Values) await s.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class GuestPlan(IGuest guest, GuestLoad load, GuestSampler sampler)
    {
        public IGuest Guest { get; } = guest;
        public GuestLoad Load { get; } = load;
        public GuestSampler Sampler { get; } = sampler;
        public int CpuSetting { get; set; }
        public long MemoryBytes { get; set; }
        public int Rounds { get; set; }
        public bool Converged { get; set; }
        public bool? Frozen { get; set; }
        public double CpuErrorBefore { get; set; } = double.NaN;
        public double CpuErrorAfter { get; set; } = double.NaN;
        public double RamErrorAfter { get; set; } = double.NaN;
    }
}
