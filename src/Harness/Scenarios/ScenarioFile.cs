using System.Text.Json;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Harness.Scenarios;

/// <summary>
/// User scenarios without recompiling. JSON or YAML (chosen by extension), shaped as
/// <c>{ "scenarios": [ { "name": "...", "guests": [ { "name": "S1", "cpu": 90, "ram": 80 }, ... ] } ] }</c>; a guest may
/// add <c>"antagonists": [ { "class": "io", "intensity": 100, "sync": true } ]</c> and a size of its own,
/// <c>"cpus": 0.6, "memoryMiB": 512</c>. A scenario has 1 to <see cref="ScenarioValidator.MaxGuests"/> guests, S1..Sn.
/// </summary>
public static class ScenarioFile
{
    public static IReadOnlyList<Scenario> Load(string path)
    {
        var text = File.ReadAllText(path);
        FileModel? model;
        try
        {
            model = Path.GetExtension(path).ToLowerInvariant() switch
            {
                // Unknown fields refused, as YAML does: a misspelt size ('memoryMb') must not quietly give the default.
                ".json" => JsonSerializer.Deserialize<FileModel>(text, new JsonSerializerOptions
                {
                    PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true,
                    UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
                }),
                ".yaml" or ".yml" => new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<FileModel>(text),
                _ => throw new ScenarioValidationException([$"{path}: unknown extension '{Path.GetExtension(path)}'. Use .json, .yaml or .yml."]),
            };
        }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException)
        {
            throw new ScenarioValidationException([$"{path}: cannot be parsed ({e.Message}). See README 'Your own scenarios' for the format."]);
        }

        var problems = new List<string>();
        var scenarios = new List<Scenario>();
        var list = model?.Scenarios;
        if (list is null || list.Count == 0)
        {
            throw new ScenarioValidationException([$"{path}: no 'scenarios' list found. The file needs a top-level 'scenarios' list."]);
        }
        for (var i = 0; i < list.Count; i++)
        {
            var s = list[i];
            var where = $"{path}: scenarios[{i}]";
            if (string.IsNullOrWhiteSpace(s.Name)) problems.Add($"{where}: missing 'name'.");
            var guests = s.Guests ?? [];
            var loads = new List<GuestLoad>();
            for (var g = 0; g < guests.Count; g++)
            {
                var gm = guests[g];
                var gwhere = $"{where}.guests[{g}]";
                if (string.IsNullOrWhiteSpace(gm.Name)) problems.Add($"{gwhere}: missing 'name'.");
                if (gm.Cpu is null) problems.Add($"{gwhere}: missing 'cpu' (percent of the guest's CPU allocation, 0-100).");
                if (gm.Ram is null) problems.Add($"{gwhere}: missing 'ram' (percent of the guest's memory, 0-100).");
                var antagonists = (gm.Antagonists ?? []).Select((a, k) =>
                {
                    if (string.IsNullOrWhiteSpace(a.Class)) problems.Add($"{gwhere}.antagonists[{k}]: missing 'class' (one of {string.Join(", ", Antagonist.Implemented)}).");
                    return new Antagonist(a.Class?.Trim().ToLowerInvariant() ?? "", a.Intensity ?? 100, a.Sync ?? false);
                }).ToArray();
                var size = new GuestSize(gm.Cpus, gm.MemoryMiB);
                loads.Add(new GuestLoad(gm.Name ?? $"#{g + 1}", gm.Cpu ?? 0, gm.Ram ?? 0, gm.Weight, antagonists.Length > 0 ? antagonists : null,
                    size.IsDefault ? null : size));
            }
            scenarios.Add(new Scenario(s.Name ?? $"#{i + 1}", loads));
        }
        problems.AddRange(ScenarioValidator.Problems(scenarios).Select(p => $"{path}: {p}"));
        if (problems.Count > 0) throw new ScenarioValidationException(problems);
        return scenarios;
    }

    private sealed class FileModel
    {
        public List<ScenarioModel>? Scenarios { get; set; }
    }

    private sealed class ScenarioModel
    {
        public string? Name { get; set; }
        public List<GuestModel>? Guests { get; set; }
    }

    private sealed class GuestModel
    {
        public string? Name { get; set; }
        public double? Cpu { get; set; }
        public double? Ram { get; set; }

        public int? Weight { get; set; }

        public double? Cpus { get; set; }

        public long? MemoryMiB { get; set; }

        public List<AntagonistModel>? Antagonists { get; set; }
    }

    private sealed class AntagonistModel
    {
        public string? Class { get; set; }
        public double? Intensity { get; set; }
        public bool? Sync { get; set; }
    }
}
