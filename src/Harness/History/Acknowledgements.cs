using System.Globalization;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Harness.History;

/// <summary>
/// A known change that should not fail the history gate until <see cref="Expires"/> (inclusive, UTC). It matches a
/// change point in <see cref="Scenario"/> (and <see cref="Guest"/> and <see cref="Metric"/> id, when given) whose new
/// level starts at run <see cref="Run"/> or up to <see cref="RunSlack"/> runs either side of it, because a change
/// point found among more runs can move by a run.
/// </summary>
public sealed record Acknowledgement(string Scenario, string? Guest, string? Metric, string Run, string Reason, DateOnly Expires)
{
    public const int RunSlack = 2;

    public bool IsExpired(DateOnly today) => today > Expires;

    public bool Matches(SeriesKey key, IReadOnlyList<string> runIds, int afterRun)
    {
        if (key.Scenario != Scenario || (Guest is not null && Guest != key.Guest) || (Metric is not null && Metric != key.Metric.Id)) return false;
        var at = runIds.ToList().IndexOf(Run);
        return at >= 0 ? Math.Abs(at - afterRun) <= RunSlack : runIds[afterRun] == Run;
    }

    /// <summary>
    /// Reads <c>acknowledgements:</c> from a YAML file. Every entry needs scenario, run, reason and expires
    /// (yyyy-MM-dd): an acknowledgement without a reason or an end would silence a change for good.
    /// </summary>
    public static IReadOnlyList<Acknowledgement> Load(string path)
    {
        FileModel? model;
        try
        {
            model = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build()
                .Deserialize<FileModel>(File.ReadAllText(path));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{path}: cannot be parsed ({e.Message})", e);
        }
        var list = model?.Acknowledgements ?? [];
        var problems = new List<string>();
        var result = new List<Acknowledgement>();
        for (var i = 0; i < list.Count; i++)
        {
            var a = list[i];
            var where = $"{path}: acknowledgements[{i}]";
            if (string.IsNullOrWhiteSpace(a.Scenario)) problems.Add($"{where}: missing 'scenario'");
            if (string.IsNullOrWhiteSpace(a.Run)) problems.Add($"{where}: missing 'run' (the id of the first run of the new level)");
            if (string.IsNullOrWhiteSpace(a.Reason)) problems.Add($"{where}: missing 'reason'");
            if (!DateOnly.TryParseExact(a.Expires ?? "", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var expires))
            {
                problems.Add($"{where}: 'expires' must be a date, yyyy-MM-dd");
            }
            result.Add(new Acknowledgement(a.Scenario ?? "", a.Guest, a.Metric, a.Run ?? "", a.Reason ?? "", expires));
        }
        if (problems.Count > 0) throw new InvalidDataException(string.Join(Environment.NewLine, problems));
        return result;
    }

    private sealed class FileModel
    {
        public List<EntryModel>? Acknowledgements { get; set; }
    }

    private sealed class EntryModel
    {
        public string? Scenario { get; set; }
        public string? Guest { get; set; }
        public string? Metric { get; set; }
        public string? Run { get; set; }
        public string? Reason { get; set; }
        public string? Expires { get; set; }
    }
}
