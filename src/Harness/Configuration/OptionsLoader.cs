using System.Globalization;

namespace Harness.Configuration;

/// <summary>
/// The harness's own settings over built-in defaults, read through <see cref="SettingsReader"/> (runsettings.xml
/// under the environment), then the configured backend's through its module.
/// </summary>
public static class OptionsLoader
{
    public const string EnvPrefix = SettingsReader.EnvPrefix;
    public const string RunSettingsPrefix = SettingsReader.RunSettingsPrefix;

    /// <summary>Every setting: name (without prefix), meaning, default. The README table mirrors this list.</summary>
    public static readonly IReadOnlyList<Setting> Settings =
    [
        new("BACKEND", "testbed backend: docker, proxmox (see docs/proxmox.md) or static", "docker"),
        new("GUEST_CPUS", "CPUs per guest a scenario does not size (container CPU quota)", "0.6 x host cores shared by the guests (4 for the paper), rounded down to 0.05"),
        new("GUEST_MEMORY_MIB", "memory per guest a scenario does not size, MiB", "1024"),
        new("GUEST_IMAGE", "guest image tag (built by ci/build-guest-image.sh)", "harness-guest:bookworm-1"),
        new("SAMPLE_INTERVAL_SECONDS", "sampler interval", "1"),
        new("GUEST_SILENCE_SECONDS", "how long a guest's sampler may print nothing before the guest counts as lost (its scenario fails naming it)", "30"),
        new("SETTLE_SECONDS", "wait after calibration when a load restarted after its last measured round", "3"),
        new("WINDOW_SECONDS", "length of one co-run segment and of one solo segment in a row without a guest below 25% CPU, and of a calibration round's measured stretch", "1.5"),
        new("SOLO_WINDOW_SECONDS", "length of one solo segment (the guest alone, its neighbours frozen) in a row with a guest below 25% CPU; other rows use WINDOW_SECONDS", "0.75"),
        new("CORUN_WINDOW_SECONDS", "length of one co-run segment (all guests loaded) in a row with a guest below 25% CPU, whose co-run side is the noisy one; other rows use WINDOW_SECONDS", "4.5"),
        new("REPETITIONS", "paired repetitions a scenario measures first (1 co-run + 1 solo per guest each, random order)", "6"),
        new("MAX_REPETITIONS", "most repetitions while a check's interval straddles its limit; still undecided there: inconclusive (a fail's confirmation comes on top)", "16"),
        new("LOAD_GENERATOR", "stress-ng, or stress-cpulimit (the paper's stress + cpulimit)", "stress-ng"),
        new("CALIBRATION_ROUND_SECONDS", "length of one closed-loop calibration round", "4"),
        new("CALIBRATION_MAX_ROUNDS", "rounds before the window opens anyway", "6"),
        new("CALIBRATION_TOLERANCE", "points within which calibration stops adjusting", "2"),
        new("CPU_TOLERANCE", "verdict: allowed |achieved - target| CPU, points", "5"),
        new("RAM_TOLERANCE", "verdict: allowed |achieved - target| RAM, points", "5"),
        new("SLOWDOWN_THRESHOLD", "verdict: allowed slowdown of a guest's runnable work ((run + wait) / run, co-run over solo), %", "90"),
        new("WAIT_INCREASE_THRESHOLD", "verdict: allowed increase of wait (run-queue wait or steal, % of wall time), solo → co-run, points", "30",
            FormerName: "WAIT_THRESHOLD"),
        new("THROUGHPUT_LOSS_THRESHOLD", "verdict: allowed loss of work per wall-second at the same load setting, solo → co-run, %", "15",
            FormerName: "DEGRADATION_THRESHOLD"),
        new("SOLO_MAX_COV", "invalid when the solo work rate varies more than this (CoV, %)", "40"),
        new("IO_P50_INCREASE_THRESHOLD", "rows with antagonists: allowed increase of a victim's median synchronous 4 KiB write latency, solo → co-run, %", "25"),
        new("IO_P99_INCREASE_THRESHOLD", "rows with antagonists: allowed increase of a victim's p99 synchronous 4 KiB write latency, solo → co-run, %", "500"),
        new("MEMBW_LOSS_THRESHOLD", "rows with antagonists: allowed loss of a victim's memory bandwidth per CPU-second, solo → co-run, %", "20"),
        new("NET_RTT_P50_INCREASE_THRESHOLD", "rows with a net antagonist: allowed increase of a victim's median TCP round trip to a neighbour guest, solo → co-run, %", "50"),
        new("NET_RTT_P99_INCREASE_THRESHOLD", "rows with a net antagonist: allowed increase of that round trip's 99th percentile, solo → co-run, %", "250"),
        new("FAIR_SHARE_TOLERANCE", "fair-share rows: allowed |share − weight's share| of the CPU the guests got, points", "8"),
        new("MAX_INVALID_ROWS", "scenario rows that may be invalid or inconclusive (not judged) before the suite fails", "0"),
        new("NEGATIVE_CONTROL_CPUS", "CPUs per guest on the negative control's overcommitted testbed", "host cores (4 guests ask for four times the host)"),
        new("FAIR_SHARE_CPUS", "CPUs per guest in the fair-share rows", "host cores / 2 (4 guests ask for twice the host)"),
        new("OUTPUT_DIR", "folder for run results", "<repo>/artifacts/runs"),
        new("SCENARIO_FILE", "JSON or YAML scenario file replacing the paper's table", "(none)"),
        new("COMMAND_TIMEOUT_SECONDS", "longest one guest command may take before the guest counts as unresponsive", "120"),
        new("SSH_RECONNECTS", "times a dropped SSH connection to a guest is re-established before the testbed counts as broken", "3"),
        new("QUIET_HOST_TOLERANCE", "allowed rise (% of one CPU) of the host's use outside the guests during a segment over its level before calibration; beyond it the scenario is invalid (host busy)", "25"),
        new("HOST_AGREEMENT_TOLERANCE", "allowed |in-guest - host| CPU, points of the guest's allocation; beyond it (whole interval) the guest is invalid", "5"),
    ];

    public static HarnessOptions Load() => Load(ReadEnvironment(), Environment.ProcessorCount);

    public static HarnessOptions Load(IReadOnlyDictionary<string, string> env, int hostCores)
    {
        var reader = Testbeds.Backends.Reader(env);
        var options = new HarnessOptions();
        var cores = $"a CPU count between 0.01 and the host's {hostCores} cores";
        var points = "percentage points, 0 to 100";
        var backend = reader.Choice("BACKEND", Testbeds.Backends.Default, Testbeds.Backends.All.Select(b => (b.Name, b)).ToArray());
        options = options with
        {
            Backend = backend.Name,
            GuestCpus = reader.Number("GUEST_CPUS", HarnessOptions.DefaultGuestCpus(hostCores, options.GuestCount), min: 0.01, max: hostCores, cores),
            // After GuestCpus, whose own init clears it.
            GuestCpusDerived = reader.Text("GUEST_CPUS") is null,
            GuestMemoryMiB = (long)reader.Number("GUEST_MEMORY_MIB", options.GuestMemoryMiB, min: 64, max: 1 << 20, hint: "MiB, at least 64"),
            GuestImage = reader.Text("GUEST_IMAGE") ?? options.GuestImage,
            SampleInterval = reader.Seconds("SAMPLE_INTERVAL_SECONDS", options.SampleInterval, min: 0.1, max: 60),
            GuestSilence = reader.Seconds("GUEST_SILENCE_SECONDS", options.GuestSilence, min: 5, max: 3600),
            Settle = reader.Seconds("SETTLE_SECONDS", options.Settle, min: 0, max: 3600),
            Window = reader.Seconds("WINDOW_SECONDS", options.Window, min: 0.5, max: 3600),
            CoRunWindow = reader.Seconds("CORUN_WINDOW_SECONDS", options.CoRunWindow, min: 0.5, max: 3600),
            SoloWindow = reader.Seconds("SOLO_WINDOW_SECONDS", options.SoloWindow, min: 0.5, max: 3600),
            Repetitions = reader.Integer("REPETITIONS", options.Repetitions, min: 1, max: 1000, hint: "a whole number, 1 to 1000 (3 or more for a verdict)"),
            MaxRepetitions = reader.Integer("MAX_REPETITIONS", options.MaxRepetitions, min: 1, max: 1000, hint: "a whole number, 1 to 1000, not below HARNESS_REPETITIONS"),
            LoadGenerator = reader.Choice("LOAD_GENERATOR", Harness.Load.LoadGeneratorKind.StressNg,
                ("stress-ng", Harness.Load.LoadGeneratorKind.StressNg), ("stress-cpulimit", Harness.Load.LoadGeneratorKind.StressCpulimit)),
            CalibrationRound = reader.Seconds("CALIBRATION_ROUND_SECONDS", options.CalibrationRound, min: 1, max: 600),
            CalibrationMaxRounds = reader.Integer("CALIBRATION_MAX_ROUNDS", options.CalibrationMaxRounds, min: 0, max: 100, hint: "a whole number of rounds, 0 to 100"),
            CalibrationTolerance = reader.Number("CALIBRATION_TOLERANCE", options.CalibrationTolerance, min: 0.1, max: 100, hint: "percentage points, 0.1 to 100"),
            CpuTolerance = reader.Number("CPU_TOLERANCE", options.CpuTolerance, min: 0, max: 100, points),
            RamTolerance = reader.Number("RAM_TOLERANCE", options.RamTolerance, min: 0, max: 100, points),
            SlowdownThreshold = reader.Number("SLOWDOWN_THRESHOLD", options.SlowdownThreshold, min: 0, max: 10000, hint: "percent, 0 to 10000"),
            WaitIncreaseThreshold = reader.Number("WAIT_INCREASE_THRESHOLD", options.WaitIncreaseThreshold, min: 0, max: 100, points),
            ThroughputLossThreshold = reader.Number("THROUGHPUT_LOSS_THRESHOLD", options.ThroughputLossThreshold, min: 0, max: 100, hint: "percent, 0 to 100"),
            SoloMaxCov = reader.Number("SOLO_MAX_COV", options.SoloMaxCov, min: 0, max: 1000, hint: "percent, 0 to 1000"),
            IoP50IncreaseThreshold = reader.Number("IO_P50_INCREASE_THRESHOLD", options.IoP50IncreaseThreshold, min: 0, max: 100000, hint: "percent, 0 to 100000"),
            IoP99IncreaseThreshold = reader.Number("IO_P99_INCREASE_THRESHOLD", options.IoP99IncreaseThreshold, min: 0, max: 100000, hint: "percent, 0 to 100000"),
            MemoryBandwidthLossThreshold = reader.Number("MEMBW_LOSS_THRESHOLD", options.MemoryBandwidthLossThreshold, min: 0, max: 100, hint: "percent, 0 to 100"),
            NetRttP50IncreaseThreshold = reader.Number("NET_RTT_P50_INCREASE_THRESHOLD", options.NetRttP50IncreaseThreshold, min: 0, max: 100000, hint: "percent, 0 to 100000"),
            NetRttP99IncreaseThreshold = reader.Number("NET_RTT_P99_INCREASE_THRESHOLD", options.NetRttP99IncreaseThreshold, min: 0, max: 100000, hint: "percent, 0 to 100000"),
            FairShareTolerance = reader.Number("FAIR_SHARE_TOLERANCE", options.FairShareTolerance, min: 0, max: 100, points),
            MaxInvalidRows = reader.Integer("MAX_INVALID_ROWS", options.MaxInvalidRows, min: 0, max: 10000, hint: "a whole number of rows, 0 or more"),
            NegativeControlCpus = reader.Number("NEGATIVE_CONTROL_CPUS", hostCores, min: 0.01, max: hostCores, cores),
            FairShareCpus = reader.Number("FAIR_SHARE_CPUS", hostCores / 2.0, min: 0.01, max: hostCores, cores),
            OutputDirectory = Path.GetFullPath(reader.Text("OUTPUT_DIR") ?? Path.Combine(RepositoryRoot() ?? Directory.GetCurrentDirectory(), "artifacts", "runs")),
            ScenarioFile = ScenarioFilePath(reader),
            CommandTimeout = reader.Seconds("COMMAND_TIMEOUT_SECONDS", options.CommandTimeout, min: 1, max: 24 * 3600),
            SshReconnects = reader.Integer("SSH_RECONNECTS", options.SshReconnects, min: 0, max: 100, hint: "a whole number, 0 to 100"),
            HostAgreementTolerance = reader.Number("HOST_AGREEMENT_TOLERANCE", options.HostAgreementTolerance, min: 0, max: 100, points),
            QuietHostTolerance = reader.Number("QUIET_HOST_TOLERANCE", options.QuietHostTolerance, min: 0, max: 100000, hint: "percent of one CPU, 0 or more"),
        };
        if (options.MaxRepetitions < options.Repetitions)
        {
            reader.Problem("MAX_REPETITIONS", $"{options.MaxRepetitions} is below HARNESS_REPETITIONS ({options.Repetitions}): set it to at least {options.Repetitions}, or equal to it for a fixed number of repetitions.");
        }
        options = options with { BackendSettings = backend.Load(reader) };
        reader.ThrowIfProblems();
        return options;
    }

    private static string? ScenarioFilePath(SettingsReader reader)
    {
        if (reader.Text("SCENARIO_FILE") is not { } text) return null;
        var path = Path.GetFullPath(text);
        if (!File.Exists(path)) reader.Problem("SCENARIO_FILE", $"file '{path}' does not exist. Point it at a .json or .yaml scenario file, or unset it to run the paper's 16 scenarios.");
        return path;
    }

    public static IReadOnlyDictionary<string, string> ReadEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            if (e.Key is string k && e.Value is string v) result[k] = v;
        }
        return result;
    }

    /// <summary>The folder holding Harness.sln, searched upwards from the running assembly.</summary>
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Harness.sln"))) return dir.FullName;
        }
        return null;
    }
}
