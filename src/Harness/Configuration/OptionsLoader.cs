using System.Globalization;

namespace Harness.Configuration;

/// <summary>
/// Reads settings in three layers: built-in defaults, then runsettings.xml, then the environment.
/// VSTest hands runsettings' <c>RunConfiguration/EnvironmentVariables</c> to the test process as variables and
/// overwrites same-named ones, so runsettings uses the prefix <c>RUNSETTINGS_HARNESS_</c> and the user's
/// own overrides use <c>HARNESS_</c>; the user's value wins.
/// </summary>
public static class OptionsLoader
{
    public const string EnvPrefix = "HARNESS_";
    public const string RunSettingsPrefix = "RUNSETTINGS_HARNESS_";

    /// <summary>Every setting: name (without prefix), meaning, default. The README table mirrors this list.</summary>
    public static readonly IReadOnlyList<(string Name, string Meaning, string Default)> Settings =
    [
        ("BACKEND", "testbed backend: docker, proxmox (see docs/proxmox.md) or static", "docker"),
        ("GUEST_CPUS", "CPUs per guest (container CPU quota)", "0.8 x host cores / 4, rounded down to 0.05"),
        ("GUEST_MEMORY_MIB", "memory per guest in MiB", "1024"),
        ("GUEST_IMAGE", "guest image tag (built by ci/build-guest-image.sh)", "harness-guest:bookworm-1"),
        ("SAMPLE_INTERVAL_SECONDS", "sampler interval", "1"),
        ("SETTLE_SECONDS", "wait after loads are on target, before the window", "3"),
        ("WINDOW_SECONDS", "length of one measured segment (co-run or solo)", "1.5"),
        ("REPETITIONS", "paired repetitions per scenario (1 co-run + 1 solo per guest each, random order)", "6"),
        ("LOAD_GENERATOR", "stress-ng, or stress-cpulimit (the paper's stress + cpulimit)", "stress-ng"),
        ("CALIBRATION_ROUND_SECONDS", "length of one closed-loop calibration round", "4"),
        ("CALIBRATION_MAX_ROUNDS", "rounds before the window opens anyway", "6"),
        ("CALIBRATION_TOLERANCE", "points within which calibration stops adjusting", "2"),
        ("CPU_TOLERANCE", "verdict: allowed |achieved - target| CPU, points", "5"),
        ("RAM_TOLERANCE", "verdict: allowed |achieved - target| RAM, points", "5"),
        ("SLOWDOWN_THRESHOLD", "verdict: allowed slowdown of a guest's runnable work ((run + wait) / run, co-run over solo), %", "50"),
        ("WAIT_THRESHOLD", "verdict: allowed increase of wait (run-queue wait or steal, % of wall time), solo → co-run, points", "20"),
        ("DEGRADATION_THRESHOLD", "verdict: allowed loss of work per wall-second at the same load setting, solo → co-run, %", "15"),
        ("SOLO_MAX_COV", "invalid when the solo work rate varies more than this (CoV, %)", "40"),
        ("MAX_INVALID_ROWS", "scenario rows that may be invalid (not judged) before the suite fails", "0"),
        ("NEGATIVE_CONTROL_CPUS", "CPUs per guest on the negative control's overcommitted testbed", "host cores / 2 (4 guests ask for twice the host)"),
        ("OUTPUT_DIR", "folder for run results", "<repo>/artifacts/runs"),
        ("SCENARIO_FILE", "JSON or YAML scenario file replacing the paper's table", "(none)"),
    ];

    public static HarnessOptions Load() => Load(ReadEnvironment(), Environment.ProcessorCount);

    public static HarnessOptions Load(IReadOnlyDictionary<string, string> env, int hostCores)
    {
        var known = Settings.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var values = new Dictionary<string, (string Value, string Source)>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (name, value, key, fromRunSettings) in Layered(env))
        {
            // The backends' own settings are read and checked by PveOptions and StaticTestbedOptions.
            if (name.StartsWith("PVE_", StringComparison.Ordinal) || name.StartsWith("STATIC_", StringComparison.Ordinal)) continue;
            if (!known.Contains(name))
            {
                // Variables the harness sets for its own tools are not settings.
                if (!fromRunSettings && name is "IMAGE_BUILD" or "AUTHORIZED_KEY") continue;
                problems.Add($"{key}: unknown setting. Known settings: {string.Join(", ", known)} (prefix {EnvPrefix}).");
                continue;
            }
            values[name] = (value.Trim(), key);
        }

        var reader = new Reader(values, problems);
        var options = new HarnessOptions();
        var guestCount = options.GuestCount;
        options = options with
        {
            Backend = reader.Enum("BACKEND", BackendKind.Docker),
            GuestCpus = reader.Number("GUEST_CPUS", HarnessOptions.DefaultGuestCpus(hostCores, guestCount), min: 0.01, max: hostCores,
                hint: $"a CPU count between 0.01 and the host's {hostCores} cores"),
            GuestMemoryMiB = (long)reader.Number("GUEST_MEMORY_MIB", options.GuestMemoryMiB, min: 64, max: 1 << 20, hint: "MiB, at least 64"),
            GuestImage = reader.Text("GUEST_IMAGE", options.GuestImage),
            SampleInterval = reader.Seconds("SAMPLE_INTERVAL_SECONDS", options.SampleInterval, min: 0.1, max: 60),
            Settle = reader.Seconds("SETTLE_SECONDS", options.Settle, min: 0, max: 3600),
            Window = reader.Seconds("WINDOW_SECONDS", options.Window, min: 0.5, max: 3600),
            Repetitions = (int)reader.Number("REPETITIONS", options.Repetitions, min: 1, max: 1000, hint: "a whole number, 1 to 1000 (3 or more for a verdict)", integer: true),
            LoadGenerator = reader.Text("LOAD_GENERATOR", "stress-ng") switch
            {
                "stress-ng" => Harness.Load.LoadGeneratorKind.StressNg,
                "stress-cpulimit" => Harness.Load.LoadGeneratorKind.StressCpulimit,
                var other => reader.Refuse("LOAD_GENERATOR", other, "stress-ng or stress-cpulimit", Harness.Load.LoadGeneratorKind.StressNg),
            },
            CalibrationRound = reader.Seconds("CALIBRATION_ROUND_SECONDS", options.CalibrationRound, min: 1, max: 600),
            CalibrationMaxRounds = (int)reader.Number("CALIBRATION_MAX_ROUNDS", options.CalibrationMaxRounds, min: 0, max: 100, hint: "a whole number of rounds, 0 to 100", integer: true),
            CalibrationTolerance = reader.Number("CALIBRATION_TOLERANCE", options.CalibrationTolerance, min: 0.1, max: 100, hint: "percentage points, 0.1 to 100"),
            CpuTolerance = reader.Number("CPU_TOLERANCE", options.CpuTolerance, min: 0, max: 100, hint: "percentage points, 0 to 100"),
            RamTolerance = reader.Number("RAM_TOLERANCE", options.RamTolerance, min: 0, max: 100, hint: "percentage points, 0 to 100"),
            SlowdownThreshold = reader.Number("SLOWDOWN_THRESHOLD", options.SlowdownThreshold, min: 0, max: 10000, hint: "percent, 0 to 10000"),
            WaitThreshold = reader.Number("WAIT_THRESHOLD", options.WaitThreshold, min: 0, max: 100, hint: "percentage points, 0 to 100"),
            DegradationThreshold = reader.Number("DEGRADATION_THRESHOLD", options.DegradationThreshold, min: 0, max: 100, hint: "percent, 0 to 100"),
            SoloMaxCov = reader.Number("SOLO_MAX_COV", options.SoloMaxCov, min: 0, max: 1000, hint: "percent, 0 to 1000"),
            MaxInvalidRows = (int)reader.Number("MAX_INVALID_ROWS", options.MaxInvalidRows, min: 0, max: 10000, hint: "a whole number of rows, 0 or more", integer: true),
            NegativeControlCpus = reader.Number("NEGATIVE_CONTROL_CPUS", hostCores / 2.0, min: 0.01, max: hostCores,
                hint: $"a CPU count between 0.01 and the host's {hostCores} cores"),
            OutputDirectory = Path.GetFullPath(reader.Text("OUTPUT_DIR", Path.Combine(RepositoryRoot() ?? Directory.GetCurrentDirectory(), "artifacts", "runs"))),
            ScenarioFile = reader.OptionalPath("SCENARIO_FILE"),
        };
        if (problems.Count > 0) throw new HarnessConfigurationException(problems);
        return options.Backend switch
        {
            BackendKind.Proxmox => options with { Pve = PveOptions.Load(env) },
            BackendKind.Static => options with { Static = Testbeds.Static.StaticTestbedOptions.Load(env) },
            _ => options,
        };
    }

    /// <summary>
    /// Every harness variable as (name without prefix, value, variable, from runsettings?): the runsettings layer
    /// first, so that a caller who keeps the last value of a name lets the user's own variable win.
    /// </summary>
    internal static IEnumerable<(string Name, string Value, string Key, bool FromRunSettings)> Layered(IReadOnlyDictionary<string, string> env)
    {
        foreach (var prefix in new[] { RunSettingsPrefix, EnvPrefix })
        {
            foreach (var (key, value) in env)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal)) yield return (key[prefix.Length..], value, key, prefix == RunSettingsPrefix);
            }
        }
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

    private sealed class Reader(Dictionary<string, (string Value, string Source)> values, List<string> problems)
    {
        public string Text(string name, string fallback) =>
            values.TryGetValue(name, out var v) && v.Value.Length > 0 ? v.Value : fallback;

        public string? OptionalPath(string name)
        {
            if (!values.TryGetValue(name, out var v) || v.Value.Length == 0) return null;
            var path = Path.GetFullPath(v.Value);
            if (!File.Exists(path)) problems.Add($"{v.Source}: file '{path}' does not exist. Point it at a .json or .yaml scenario file, or unset it to run the paper's 16 scenarios.");
            return path;
        }

        public T Refuse<T>(string name, string value, string allowed, T fallback)
        {
            problems.Add($"{values[name].Source}: unknown value '{value}'. Use one of: {allowed}.");
            return fallback;
        }

        public TEnum Enum<TEnum>(string name, TEnum fallback) where TEnum : struct, System.Enum
        {
            if (!values.TryGetValue(name, out var v) || v.Value.Length == 0) return fallback;
            if (System.Enum.TryParse<TEnum>(v.Value, ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed)
                && !int.TryParse(v.Value, out _)) return parsed;
            var allowed = string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()));
            problems.Add($"{v.Source}: unknown value '{v.Value}'. Use one of: {allowed}.");
            return fallback;
        }

        public double Number(string name, double fallback, double min, double max, string hint, bool integer = false)
        {
            if (!values.TryGetValue(name, out var v) || v.Value.Length == 0) return fallback;
            if (!double.TryParse(v.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || double.IsNaN(parsed))
            {
                problems.Add($"{v.Source}: '{v.Value}' is not a number. Use {hint}.");
                return fallback;
            }
            if (parsed < min || parsed > max || (integer && parsed != Math.Floor(parsed)))
            {
                problems.Add($"{v.Source}: {v.Value} is out of range. Use {hint}.");
                return fallback;
            }
            return parsed;
        }

        public TimeSpan Seconds(string name, TimeSpan fallback, double min, double max) =>
            TimeSpan.FromSeconds(Number(name, fallback.TotalSeconds, min, max, $"seconds, {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}"));
    }
}
