using System.Text.Json;
using System.Text.Json.Serialization;
using Harness.Analysis;

namespace Harness.Reporting;

public sealed record ScenarioRecord(
    string Name,
    string DisplayName,
    DateTimeOffset StartedAt,
    double WallSeconds,
    string Outcome,
    string? Error,
    IReadOnlyList<GuestMeasurement> Guests,
    IReadOnlyList<Check> Checks,
    double? MaxAbsCpuError,
    double? MaxAbsRamError,
    double? MaxAbsHostDifference = null,
    IReadOnlyList<string>? Notes = null,
    int? Repetitions = null);

/// <summary>results.json: everything a run measured, written after every scenario so a killed run keeps what it had.</summary>
public sealed class RunRecord
{
    // 2: checks carry a metric id and an outcome (pass, fail, invalid); guests carry slowdown (stretch co-run and
    // solo); testbed facts carry the load generator's version.
    // 3: one name per quantity: interference.throughputLoss (was degradation), settings waitIncreaseThreshold and
    // throughputLossThreshold (were waitThreshold, degradationThreshold); older files are read under the new names.
    // Segments carry the host's view (host), guests their agreement with it (host), scenarios the largest
    // |in-guest − host| CPU (maxAbsHostDifference) and notes (a fair-share row's weights found).
    // 4: adaptive repetitions: scenarios carry the repetitions measured (repetitions) and notes on every attempt;
    // a check or scenario may be inconclusive (its interval straddles the limit after the most repetitions).
    // 5: a scenario may have 1 to 8 guests and each guest its own size: guests carry their allocation (cpus,
    // memoryBytes), and the testbed facts each guest's (guest.S1.cpus, guest.S1.memory_mib).
    public const int CurrentSchemaVersion = 5;

    /// <summary>Settings keys of older files and their current names, so that compare and history line old runs up with new ones.</summary>
    private static readonly IReadOnlyDictionary<string, string> RenamedSettings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["waitThreshold"] = "waitIncreaseThreshold",
        ["degradationThreshold"] = "throughputLossThreshold",
    };

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly Lock _gate = new();
    private readonly IReadOnlyDictionary<string, string> _settings = new Dictionary<string, string>();

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string RunId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; set; }

    public double? WallSeconds { get; set; }

    public required IReadOnlyDictionary<string, string> Testbed { get; init; }

    public required IReadOnlyDictionary<string, string> Settings
    {
        get => _settings;
        init
        {
            var settings = new Dictionary<string, string>(value, StringComparer.Ordinal);
            foreach (var (old, current) in RenamedSettings)
            {
                if (settings.Remove(old, out var v)) settings.TryAdd(current, v);
            }
            _settings = settings;
        }
    }

    public List<ScenarioRecord> Scenarios { get; init; } = [];

    public double? MaxAbsCpuError => Scenarios.Max(s => s.MaxAbsCpuError);

    public double? MaxAbsRamError => Scenarios.Max(s => s.MaxAbsRamError);

    public void Add(ScenarioRecord scenario)
    {
        lock (_gate) Scenarios.Add(scenario);
    }

    public void AddError(string name, string displayName, DateTimeOffset startedAt, TimeSpan wall, string outcome, string error)
    {
        lock (_gate)
        {
            Scenarios.Add(new ScenarioRecord(name, displayName, startedAt, wall.TotalSeconds, outcome, error, [], [], null, null));
        }
    }

    /// <summary>Writes atomically (temp file, then rename), so a reader never sees half a file.</summary>
    public void Save(string path)
    {
        string text;
        lock (_gate) text = JsonSerializer.Serialize(this, Json);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // A temporary name of its own, so that two writers (the session and a report rewriting the run) never
        // share one half-written file.
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public static RunRecord Load(string path) =>
        JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"{path} holds no run record");
}
