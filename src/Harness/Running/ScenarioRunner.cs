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

/// <summary>The result of one scenario: per-guest measurements and the verdict.</summary>
public sealed record ScenarioResult(
    Scenario Scenario, DateTimeOffset StartedAt, TimeSpan Wall, IReadOnlyList<GuestMeasurement> Guests, Verdict Verdict);

/// <summary>
/// Runs scenarios on a provisioned testbed: applies each guest's load, brings it on target with a short closed
/// loop, lets it settle, measures a window, stops the loads and checks none is left. Owns one sampler per guest
/// for the testbed's life; remembers calibrated settings so later scenarios at the same level converge at once.
/// </summary>
public sealed class ScenarioRunner : IAsyncDisposable
{
    // stress-ng's own pages (binary, libraries, its parent process) come on top of --vm-bytes.
    private const long VmOverheadBytes = 3 * 1024 * 1024;

    private readonly ITestbed _testbed;
    private readonly HarnessOptions _options;
    private readonly ProgressSink _progress;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, GuestSampler> _samplers;
    private readonly Dictionary<(string Guest, double Cpu), int> _cpuSettings = new();

    public ScenarioRunner(ITestbed testbed, HarnessOptions options, ProgressSink progress, TimeProvider? time = null)
    {
        _testbed = testbed;
        _options = options;
        _progress = progress;
        _time = time ?? TimeProvider.System;
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
        try
        {
            await ForEachGuest(plans, (p, ct) => StopAllAsync(p, ct), cancellationToken).ConfigureAwait(false);
            await ForEachGuest(plans, (p, ct) => p.Sampler.WaitForSamplesAsync(_time.GetUtcNow(), 2, ct), cancellationToken).ConfigureAwait(false);

            var loadLifetime = _options.CalibrationRound * (_options.CalibrationMaxRounds + 1) + _options.Settle + _options.Window + TimeSpan.FromMinutes(2);
            _progress($"{scenario.Name}: calibrating loads");
            await ForEachGuest(plans, (p, ct) => StartLoadsAsync(p, loadLifetime, ct), cancellationToken).ConfigureAwait(false);
            await CalibrateAsync(plans, loadLifetime, cancellationToken).ConfigureAwait(false);

            _progress($"{scenario.Name}: settling {_options.Settle.TotalSeconds:0} s");
            await Task.Delay(_options.Settle, _time, cancellationToken).ConfigureAwait(false);

            _progress($"{scenario.Name}: measuring {_options.Window.TotalSeconds:0} s");
            var windowStart = _time.GetUtcNow();
            await Task.Delay(_options.Window, _time, cancellationToken).ConfigureAwait(false);
            var windowEnd = _time.GetUtcNow();
            await ForEachGuest(plans, (p, ct) => p.Sampler.WaitForSamplesAsync(windowEnd, 1, ct), cancellationToken).ConfigureAwait(false);
            var measurements = plans.Select(p => Measure(p, windowStart, windowEnd + _options.SampleInterval)).ToArray();

            _progress($"{scenario.Name}: stopping loads");
            await ForEachGuest(plans, (p, ct) => StopAllAsync(p, ct), cancellationToken).ConfigureAwait(false);

            var verdict = Verdict.LoadFidelity(scenario.DisplayName, measurements, _options.CpuTolerance, _options.RamTolerance);
            return new ScenarioResult(scenario, started, _time.GetUtcNow() - started, measurements, verdict);
        }
        catch (Exception e) when (e is not GuestFailedException && !cancellationToken.IsCancellationRequested)
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
    /// Memory first, until it holds still, then CPU: the memory stressor needs CPU from the same quota while it
    /// touches its pages, so filling memory under a CPU load is slow and distorts both readings.
    /// </summary>
    private async Task StartLoadsAsync(GuestPlan p, TimeSpan lifetime, CancellationToken ct)
    {
        var alloc = p.Guest.Allocation;
        var idle = p.Sampler.Latest ?? throw new GuestFailedException($"guest {p.Guest.Name}: no samples yet");
        var limit = Usage.MemoryLimit(idle, alloc);
        var idlePercent = Usage.RamPercent(idle, alloc);
        if (p.Load.RamPercent + _options.RamTolerance < idlePercent)
        {
            throw new GuestFailedException(string.Create(CultureInfo.InvariantCulture,
                $"guest {p.Guest.Name}: RAM target {p.Load.RamPercent:0.#}% is below what it already uses at idle ({idlePercent:0.#}%). Raise the target or give the guest more memory."));
        }
        p.MemoryBytes = ClampMemory((long)(p.Load.RamPercent / 100 * limit) - Usage.UsedBytes(idle, alloc) - VmOverheadBytes, p, limit);
        for (var attempt = 0; attempt < 4 && p.MemoryBytes > 0; attempt++)
        {
            if (attempt > 0) await RunChecked(p, StressNg.StopMemory, ct).ConfigureAwait(false);
            await RunChecked(p, StressNg.StartMemory(p.MemoryBytes, lifetime), ct).ConfigureAwait(false);
            var ram = await WaitForSteadyMemoryAsync(p, ct).ConfigureAwait(false);
            p.RamErrorAfter = ram - p.Load.RamPercent;
            if (Math.Abs(p.RamErrorAfter) <= _options.CalibrationTolerance) break;
            p.MemoryBytes = ClampMemory(p.MemoryBytes - (long)(p.RamErrorAfter / 100 * limit), p, limit);
        }

        p.CpuSetting = _cpuSettings.TryGetValue((p.Guest.Name, p.Load.CpuPercent), out var known)
            ? known
            : CpuSetting.OpenLoop(p.Load.CpuPercent, alloc.Cpus);
        if (p.Load.CpuPercent > 0) await StartCpuAsync(p, lifetime, ct).ConfigureAwait(false);
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

    private Task StartCpuAsync(GuestPlan p, TimeSpan lifetime, CancellationToken ct) =>
        RunChecked(p, StressNg.StartCpu(CpuSetting.Workers(p.Guest.Allocation.Cpus), p.CpuSetting, lifetime), ct);

    private async Task CalibrateAsync(GuestPlan[] plans, TimeSpan lifetime, CancellationToken ct)
    {
        var tolerance = _options.CalibrationTolerance;
        for (var round = 1; round <= _options.CalibrationMaxRounds; round++)
        {
            // The first interval after a (re)start still holds the change itself; measure after it.
            var from = _time.GetUtcNow() + _options.SampleInterval;
            await Task.Delay(_options.CalibrationRound, _time, ct).ConfigureAwait(false);
            var to = _time.GetUtcNow();
            await ForEachGuest(plans, (p, c) => p.Sampler.WaitForSamplesAsync(to, 1, c), ct).ConfigureAwait(false);

            var adjusting = new List<Task>();
            foreach (var p in plans)
            {
                var samples = p.Sampler.Between(from, to + _options.SampleInterval);
                if (samples.Count < 2) continue;
                var cpu = Usage.Cpu(samples[0], samples[^1], p.Guest.Allocation).CpuPercent;
                p.Rounds = round;
                if (round == 1) p.CpuErrorBefore = cpu - p.Load.CpuPercent;
                p.CpuErrorAfter = cpu - p.Load.CpuPercent;
                p.RamErrorAfter = Usage.RamPercent(samples[^1], p.Guest.Allocation) - p.Load.RamPercent;
                if (p.Load.CpuPercent > 0 && Math.Abs(p.CpuErrorAfter) > tolerance)
                {
                    p.CpuSetting = CpuSetting.Correct(p.CpuSetting, cpu, p.Load.CpuPercent);
                    adjusting.Add(RestartCpuAsync(p, lifetime, ct));
                }
            }
            if (adjusting.Count == 0)
            {
                foreach (var p in plans) p.Converged = true;
                break;
            }
            _progress(string.Create(CultureInfo.InvariantCulture,
                $"  calibration round {round}: {string.Join(", ", plans.Select(p => $"{p.Guest.Name} cpu {Signed(p.CpuErrorAfter)} ram {Signed(p.RamErrorAfter)}"))}"));
            await Task.WhenAll(adjusting).ConfigureAwait(false);
        }
        foreach (var p in plans) _cpuSettings[(p.Guest.Name, p.Load.CpuPercent)] = p.CpuSetting;
    }

    private async Task RestartCpuAsync(GuestPlan p, TimeSpan lifetime, CancellationToken ct)
    {
        await RunChecked(p, StressNg.StopCpu, ct).ConfigureAwait(false);
        await StartCpuAsync(p, lifetime, ct).ConfigureAwait(false);
    }

    private GuestMeasurement Measure(GuestPlan p, DateTimeOffset from, DateTimeOffset to)
    {
        var samples = p.Sampler.Between(from, to);
        if (samples.Count < 2) throw new GuestFailedException($"guest {p.Guest.Name}: only {samples.Count} sample(s) in the window");
        var alloc = p.Guest.Allocation;
        var series = Usage.Series(samples, alloc);
        var (cpu, _) = Usage.Cpu(samples[0], samples[^1], alloc);
        var ram = SeriesSummary.Of(series.Select(s => s.RamPercent));
        return new GuestMeasurement(
            p.Guest.Name, p.Guest.Identity, p.Load.CpuPercent, p.Load.RamPercent, cpu, ram.Mean,
            SeriesSummary.Of(series.Select(s => s.CpuPercent)), ram, SeriesSummary.Of(series.Select(s => s.StealPercent)),
            samples[^1].GuestTime - samples[0].GuestTime,
            new CalibrationOutcome(p.Rounds, p.Converged, p.CpuSetting, Math.Max(0, p.MemoryBytes), p.CpuErrorBefore, p.CpuErrorAfter, p.RamErrorAfter),
            series);
    }

    private static async Task StopAllAsync(GuestPlan p, CancellationToken ct)
    {
        var left = await RunChecked(p, StressNg.StopAllAndList, ct).ConfigureAwait(false);
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

    private static string Signed(double value) =>
        Math.Round(value, 1).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);

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
        public double CpuErrorBefore { get; set; } = double.NaN;
        public double CpuErrorAfter { get; set; } = double.NaN;
        public double RamErrorAfter { get; set; } = double.NaN;
    }
}
