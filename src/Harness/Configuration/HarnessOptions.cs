namespace Harness.Configuration;

/// <summary>Which testbed the scenarios run on.</summary>
public enum BackendKind
{
    Docker,
}

/// <summary>
/// Every knob of a run, already validated. Built by <see cref="OptionsLoader"/> from defaults,
/// runsettings.xml and environment variables; see the README's settings table.
/// </summary>
public sealed record HarnessOptions
{
    public BackendKind Backend { get; init; } = BackendKind.Docker;

    /// <summary>CPUs given to each guest (container CPU quota).</summary>
    public double GuestCpus { get; init; }

    public long GuestMemoryMiB { get; init; } = 1024;

    public int GuestCount { get; init; } = 4;

    public string GuestImage { get; init; } = "harness-guest:bookworm-1";

    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Time after the loads are on target before the measurement window opens.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Length of one measure-and-adjust round of the load calibration.</summary>
    public TimeSpan CalibrationRound { get; init; } = TimeSpan.FromSeconds(4);

    public int CalibrationMaxRounds { get; init; } = 6;

    /// <summary>How close (percentage points) the closed loop must bring a load before the window opens.</summary>
    public double CalibrationTolerance { get; init; } = 2;

    public double CpuTolerance { get; init; } = 5;

    public double RamTolerance { get; init; } = 5;

    /// <summary>Folder that receives one sub-folder per run.</summary>
    public string OutputDirectory { get; init; } = "";

    /// <summary>Optional user scenario file (JSON or YAML) that replaces the paper's table.</summary>
    public string? ScenarioFile { get; init; }

    /// <summary>Derived default: four guests share at most ~80% of the host's cores.</summary>
    public static double DefaultGuestCpus(int hostCores, int guestCount) =>
        Math.Max(0.05, Math.Floor(0.8 * hostCores / guestCount * 20) / 20);
}
