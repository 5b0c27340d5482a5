using Harness.Analysis;
using Harness.Remote;
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

/// <summary>One guest within one scenario: what it must carry, its sampler, and what load control did to it.</summary>
internal sealed class GuestRun(IGuest guest, GuestLoad load, GuestSampler sampler)
{
    public IGuest Guest { get; } = guest;

    public GuestLoad Load { get; } = load;

    public GuestSampler Sampler { get; } = sampler;

    public string Name => Guest.Name;

    public double CpuSetting { get; set; }

    public long MemoryBytes { get; set; }

    public int Rounds { get; set; }

    public bool Converged { get; set; }

    /// <summary>Whether the guest's load is frozen now; null when unknown (a load was just restarted).</summary>
    public bool? Frozen { get; set; }

    public double CpuErrorBefore { get; set; } = double.NaN;

    public double CpuErrorAfter { get; set; } = double.NaN;

    public double RamErrorAfter { get; set; } = double.NaN;

    public CalibrationOutcome Calibration =>
        new(Rounds, Converged, CpuSetting, Math.Max(0, MemoryBytes), CpuErrorBefore, CpuErrorAfter, RamErrorAfter);

    /// <summary>Runs a command in the guest; a failing command is a failed guest, named.</summary>
    public async Task<string> RunAsync(string command, CancellationToken ct)
    {
        var result = await Guest.Shell.RunAsync(command, ct).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new GuestFailedException($"guest {Name}: command failed with exit code {result.ExitCode}: {result.Error.Trim()}");
        }
        return result.Output;
    }

    public static Task ForEach(IEnumerable<GuestRun> runs, Func<GuestRun, CancellationToken, Task> action, CancellationToken ct) =>
        Task.WhenAll(runs.Select(r => action(r, ct)));
}
