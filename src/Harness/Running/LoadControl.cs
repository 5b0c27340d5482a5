using System.Globalization;
using Harness.Analysis;
using Harness.Configuration;
using Harness.Load;
using Harness.Testbeds;

namespace Harness.Running;

/// <summary>
/// Puts each guest's load in place for a scenario: memory first, then every CPU load brought to target with all
/// guests running (the scenario as the paper defines it) by a short closed loop. Settings found start later
/// scenarios at the same level, which are then only checked.
/// </summary>
internal sealed class LoadControl(ILoadGenerator generator, HarnessOptions options, ProgressSink progress, TimeProvider time)
{
    // stress-ng's own pages (binary, libraries, its parent process) come on top of --vm-bytes.
    private const long VmOverheadBytes = 3 * 1024 * 1024;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1.5);
    private readonly Dictionary<(string Guest, double Cpu), double> _settings = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _warnedMemory = new(StringComparer.Ordinal);

    public ILoadGenerator Generator => generator;

    /// <summary>Every guest whose RAM target lies below what it already uses at idle, named; checked before any load starts.</summary>
    public string? Impossible(IEnumerable<GuestRun> runs)
    {
        var problems = runs.Select(RamBelowIdle).OfType<string>().ToArray();
        return problems.Length == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>
    /// Memory until it holds still: the memory stressor needs CPU from the same quota while it touches its pages,
    /// so filling memory under a CPU load is slow and distorts both readings.
    /// </summary>
    public async Task FillMemoryAsync(GuestRun r, TimeSpan lifetime, CancellationToken ct)
    {
        var alloc = r.Guest.Allocation;
        var idle = r.Sampler.Latest ?? throw new GuestFailedException($"guest {r.Name}: no samples yet");
        var limit = Usage.MemoryLimit(idle, alloc);
        WarnIfMemoryIsNotItsOwn(r, limit);
        r.MemoryBytes = ClampMemory((long)(r.Load.RamPercent / 100 * limit) - Usage.UsedBytes(idle, alloc) - VmOverheadBytes, r, limit);
        if (r.MemoryBytes <= 0) return;
        await r.RunAsync(generator.StartMemory(r.MemoryBytes, lifetime), ct).ConfigureAwait(false);
        await CorrectMemoryAsync(r, limit, lifetime, attempts: 3, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Memory once more after the CPU loads are calibrated: their own pages count too. Measured on the emulated PVE
    /// node, a 1 GiB TCG VM filled to its target sat 3.4-5.4 points above it once its CPU load ran; a container's
    /// cgroup moves by well under a point, so there the latest reading is within the tolerance and nothing restarts.
    /// </summary>
    /// <returns>True when the memory load was restarted.</returns>
    public async Task<bool> TrimMemoryAsync(GuestRun r, TimeSpan lifetime, CancellationToken ct)
    {
        if (r.MemoryBytes <= 0 || r.Sampler.Latest is not { } latest) return false;
        var error = Usage.RamPercent(latest, r.Guest.Allocation) - r.Load.RamPercent;
        if (Math.Abs(error) <= options.CalibrationTolerance) return false;
        progress(string.Create(CultureInfo.InvariantCulture, $"  {r.Name}: RAM {error:+0.0;-0.0} points off its target under load; refilling"));
        var limit = Usage.MemoryLimit(latest, r.Guest.Allocation);
        await CorrectMemoryAsync(r, limit, lifetime, attempts: 2, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Waits for RAM to hold still and restarts the memory load at a corrected size while it is off.</summary>
    private async Task CorrectMemoryAsync(GuestRun r, long limit, TimeSpan lifetime, int attempts, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var ram = await WaitForSteadyMemoryAsync(r, ct).ConfigureAwait(false);
            r.RamErrorAfter = ram - r.Load.RamPercent;
            if (Math.Abs(r.RamErrorAfter) <= options.CalibrationTolerance || attempt == attempts) return;
            r.MemoryBytes = ClampMemory(r.MemoryBytes - (long)(r.RamErrorAfter / 100 * limit), r, limit);
            await r.RunAsync(generator.StopMemory, ct).ConfigureAwait(false);
            if (r.MemoryBytes <= 0) return;
            await r.RunAsync(generator.StartMemory(r.MemoryBytes, lifetime), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Starts the CPU load at the setting known for this guest and level, or at the open-loop guess.</summary>
    public async Task StartCpuAsync(GuestRun r, TimeSpan lifetime, CancellationToken ct)
    {
        r.CpuSetting = _settings.TryGetValue((r.Name, r.Load.CpuPercent), out var known)
            ? known
            : CpuSetting.OpenLoop(r.Load.CpuPercent, r.Guest.Allocation.Cpus, generator.Step);
        if (r.Load.CpuPercent > 0) await StartCpuAtSettingAsync(r, lifetime, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The closed loop: measure a round (after a warm-up, so restarts do not bias it), correct the guests that are
    /// off, repeat. Out of rounds, the closest setting seen is kept — and counts as converged when it was within
    /// the tolerance. The solo segments later run the very same settings. True when a load was restarted after the
    /// last round that measured it: only then does it need time to settle before the first repetition.
    /// </summary>
    public async Task<bool> CalibrateAsync(IReadOnlyList<GuestRun> runs, MeasurementProtocol protocol, TimeSpan lifetime, CancellationToken ct)
    {
        var tolerance = options.CalibrationTolerance;
        var loaded = runs.Where(r => r.Load.CpuPercent > 0).ToArray();
        var best = loaded.ToDictionary(r => r, r => (Setting: r.CpuSetting, Error: double.PositiveInfinity));
        foreach (var r in runs.Where(r => r.Load.CpuPercent <= 0)) r.Converged = true;
        // A guest whose correction gives back its own setting is at the generator's limit (e.g. all it can ask for,
        // in a fair-share row that oversubscribes the host): another round cannot move it.
        var atLimit = new HashSet<GuestRun>();
        var restartedSinceMeasured = false;
        for (var round = 1; round <= options.CalibrationMaxRounds && loaded.Any(r => !r.Converged && !atLimit.Contains(r)); round++)
        {
            await Task.Delay(WarmUp, time, ct).ConfigureAwait(false);
            var measured = await Task.WhenAll(loaded.Select(r => protocol.MeasureCpuAsync(r, options.CalibrationRound, ct))).ConfigureAwait(false);
            var restarts = new List<Task>();
            for (var i = 0; i < loaded.Length; i++)
            {
                var r = loaded[i];
                var error = measured[i] - r.Load.CpuPercent;
                r.Rounds = round;
                if (round == 1) r.CpuErrorBefore = error;
                r.CpuErrorAfter = error;
                if (Math.Abs(error) < Math.Abs(best[r].Error)) best[r] = (r.CpuSetting, error);
                r.Converged = Math.Abs(error) <= tolerance;
                if (r.Converged) continue;
                var corrected = CpuSetting.Correct(r.CpuSetting, measured[i], r.Load.CpuPercent, generator.Step);
                if (corrected == r.CpuSetting && double.IsFinite(measured[i]))
                {
                    atLimit.Add(r);
                    continue;
                }
                r.CpuSetting = corrected;
                restarts.Add(RestartCpuAsync(r, lifetime, ct));
            }
            progress(string.Create(CultureInfo.InvariantCulture,
                $"  calibration round {round}: {string.Join(", ", loaded.Select((r, i) => $"{r.Name} {measured[i]:0.0}% for {r.Load.CpuPercent:0.#}%"))}"));
            await Task.WhenAll(restarts).ConfigureAwait(false);
            restartedSinceMeasured = restarts.Count > 0;
        }
        // A guest at the limit keeps it: every setting short of it came out the same, and the limit asks the most.
        foreach (var r in loaded.Where(r => !r.Converged && !atLimit.Contains(r)))
        {
            r.CpuErrorAfter = best[r].Error;
            r.Converged = Math.Abs(best[r].Error) <= tolerance;
            if (best[r].Setting == r.CpuSetting) continue;
            r.CpuSetting = best[r].Setting;
            await RestartCpuAsync(r, lifetime, ct).ConfigureAwait(false);
            restartedSinceMeasured = true;
        }
        foreach (var r in loaded) _settings[(r.Name, r.Load.CpuPercent)] = r.CpuSetting;
        return restartedSinceMeasured;
    }

    public async Task StopAllAsync(GuestRun r, CancellationToken ct)
    {
        var left = await r.RunAsync(generator.StopAllAndList, ct).ConfigureAwait(false);
        r.Frozen = false;
        if (!string.IsNullOrWhiteSpace(left))
        {
            throw new GuestFailedException($"guest {r.Name}: load processes still running after stop: {left.Trim()}");
        }
    }

    /// <summary>Loads never outlive their scenario, whatever happened: a stop that needs no answer.</summary>
    public async Task BestEffortStopAsync(IEnumerable<GuestRun> runs)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Task.WhenAll(runs.Select(async r =>
        {
            try
            {
                await r.Guest.Shell.RunAsync(generator.StopAllAndList, cts.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The guest may be gone; its teardown removes it together with any load.
            }
        })).ConfigureAwait(false);
    }

    private async Task StartCpuAtSettingAsync(GuestRun r, TimeSpan lifetime, CancellationToken ct)
    {
        await r.RunAsync(generator.StartCpu(r.Guest.Allocation.Cpus, r.CpuSetting, lifetime), ct).ConfigureAwait(false);
        r.Frozen = null; // a fresh load runs; whether its probe is frozen is for the next freeze or thaw to settle
    }

    private async Task RestartCpuAsync(GuestRun r, TimeSpan lifetime, CancellationToken ct)
    {
        await r.RunAsync(generator.StopCpu, ct).ConfigureAwait(false);
        await StartCpuAtSettingAsync(r, lifetime, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// RAM % is a share of the memory the guest itself sees. A guest that sees far more than it was declared with
    /// (a container without lxcfs reads the host's /proc/meminfo) gets its RAM targets as shares of that instead:
    /// said once per guest, so that the figures are not read as shares of the declared size.
    /// </summary>
    private void WarnIfMemoryIsNotItsOwn(GuestRun r, long limit)
    {
        var declared = r.Guest.Allocation.MemoryBytes;
        if (limit <= declared * 3 / 2 || !_warnedMemory.TryAdd(r.Name, true)) return;
        progress(string.Create(CultureInfo.InvariantCulture,
                     $"warning: guest {r.Name} sees {limit / 1048576} MiB of memory but is declared with {declared / 1048576} MiB; its RAM targets are shares of the {limit / 1048576} MiB it sees")
                 + " (a container without its own /proc/meminfo, e.g. no lxcfs, sees the host's). Declare the memory the guest sees, or give it a memory view of its own");
    }

    private string? RamBelowIdle(GuestRun r)
    {
        var idle = r.Sampler.Latest ?? throw new GuestFailedException($"guest {r.Name}: no samples yet");
        var idlePercent = Usage.RamPercent(idle, r.Guest.Allocation);
        return r.Load.RamPercent + options.RamTolerance < idlePercent
            ? string.Create(CultureInfo.InvariantCulture,
                $"guest {r.Name}: RAM target {r.Load.RamPercent:0.#}% is below what it already uses at idle ({idlePercent:0.#}%). Raise the target or give the guest more memory")
            : null;
    }

    // Never ask for more than the target itself: more could only end in the guest's OOM killer.
    private static long ClampMemory(long bytes, GuestRun r, long limit) =>
        Math.Clamp(bytes, 0, (long)(r.Load.RamPercent / 100 * limit));

    /// <summary>RAM % once two consecutive intervals change it by less than a tenth of a point.</summary>
    private async Task<double> WaitForSteadyMemoryAsync(GuestRun r, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(120);
        var previous = double.NaN;
        var steady = 0;
        while (true)
        {
            var now = time.GetUtcNow();
            await r.Sampler.WaitForSamplesAsync(now, 1, ct).ConfigureAwait(false);
            var ram = Usage.RamPercent(r.Sampler.Latest!, r.Guest.Allocation);
            steady = Math.Abs(ram - previous) < 0.1 ? steady + 1 : 0;
            previous = ram;
            if (steady >= 2 || now > deadline) return ram;
        }
    }
}
