namespace Harness.Load;

/// <summary>Which program makes the CPU and memory load inside a guest.</summary>
public enum LoadGeneratorKind
{
    /// <summary>stress-ng's CPU stressor, paced by the harness to a fine-grained duty cycle; memory held with --vm-hang 0. The default.</summary>
    StressNg,

    /// <summary>The paper's tools: stress for the work, cpulimit (SIGSTOP/SIGCONT) to cap its CPU share.</summary>
    StressCpulimit,
}

/// <summary>
/// One kind of load inside a guest, and everything that touches its processes: start, freeze, thaw, stop, the
/// names the sampler follows for run-queue wait, and its version for the results. Keeping all of it here means a
/// new generator cannot escape the wait metric or survive a stop. A CPU setting is the generator's own knob in
/// percent of one CPU per worker (stress-ng with the pacer: any value to 0.1; cpulimit: whole percent); the
/// closed loop turns it.
/// </summary>
public interface ILoadGenerator
{
    string Description { get; }

    /// <summary>Prefixes of the process names (comm) of this generator's load, for the sampler and for stops.</summary>
    IReadOnlyList<string> ProcessNames { get; }

    /// <summary>Prints the generator's version on one line.</summary>
    string VersionCommand { get; }

    /// <summary>Smallest step the setting can take.</summary>
    double Step { get; }

    int Workers(double allocatedCpus);

    string StartCpu(double allocatedCpus, double setting, TimeSpan timeout);

    string StartMemory(long bytes, TimeSpan timeout);

    string StopCpu { get; }

    string StopMemory { get; }

    /// <summary>Freezes the CPU load and the probe: the guest becomes an idle neighbour at once and keeps its memory and setting.</summary>
    string Pause { get; }

    string Resume { get; }

    /// <summary>Stops every load (also ones left by another run) and prints whatever is still alive afterwards.</summary>
    string StopAllAndList { get; }

    public static ILoadGenerator For(LoadGeneratorKind kind) => kind switch
    {
        LoadGeneratorKind.StressCpulimit => new StressCpulimitGenerator(),
        _ => new PacedStressNgGenerator(),
    };
}
