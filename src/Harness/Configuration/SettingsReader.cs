using System.Globalization;

namespace Harness.Configuration;

/// <summary>
/// The one reader of every harness, backend and tool setting, in two layers: runsettings.xml
/// (<c>RUNSETTINGS_HARNESS_*</c>, which VSTest hands to the test process) under the environment (<c>HARNESS_*</c>,
/// the user's own override; VSTest would overwrite a same-named variable, hence the two prefixes).
/// A name no table declares is a problem, so a typo is never ignored; every problem is collected and reported at once.
/// </summary>
public sealed class SettingsReader
{
    public const string EnvPrefix = "HARNESS_";
    public const string RunSettingsPrefix = "RUNSETTINGS_HARNESS_";

    /// <summary>Variables the harness sets for its own tools (ci/ scripts, the guest image); not settings.</summary>
    private static readonly HashSet<string> ToolVariables = new(StringComparer.Ordinal) { "IMAGE_BUILD", "AUTHORIZED_KEY" };

    private readonly Dictionary<string, (string Value, string Source)> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Setting> _known;
    private readonly List<string> _problems = [];

    public SettingsReader(IReadOnlyDictionary<string, string> env, IEnumerable<Setting> known)
    {
        _known = known.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var prefix in new[] { RunSettingsPrefix, EnvPrefix })
        {
            var fromRunSettings = prefix == RunSettingsPrefix;
            foreach (var (key, value) in env.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                var name = key[prefix.Length..];
                if (!_known.TryGetValue(name, out var setting))
                {
                    if (!fromRunSettings && ToolVariables.Contains(name)) continue;
                    if (_known.Values.FirstOrDefault(s => s.FormerName == name) is { } renamed)
                    {
                        _problems.Add($"{key}: renamed to {prefix}{renamed.Name} (same meaning and units). Set {prefix}{renamed.Name} instead.");
                        continue;
                    }
                    _problems.Add($"{key}: unknown setting. Known settings: {string.Join(", ", Family(name))} (prefix {EnvPrefix}).");
                }
                else if (setting.Secret && fromRunSettings)
                {
                    _problems.Add($"{key}: a secret is read from the environment only. Remove it from runsettings and export {EnvPrefix}{name} instead.");
                }
                else if (value.Trim().Length > 0) _values[name] = (value.Trim(), key);
                else _values.Remove(name); // an empty value means the default, also over the runsettings layer
            }
        }
    }

    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The trimmed value, or null when unset or empty (the default applies).</summary>
    public string? Text(string name) => _values.TryGetValue(Declared(name), out var v) ? v.Value : null;

    /// <summary>The variable a value came from, for messages; the environment name when unset.</summary>
    public string Source(string name) => _values.TryGetValue(Declared(name), out var v) ? v.Source : EnvPrefix + name;

    public void Problem(string name, string text) => _problems.Add($"{Source(name)}: {text}");

    public string Required(string name, string fix)
    {
        var text = Text(name);
        if (text is null) _problems.Add($"{EnvPrefix}{name}: missing. {fix}");
        return text ?? "";
    }

    public double Number(string name, double fallback, double min, double max, string hint, bool integer = false)
    {
        if (Text(name) is not { } text) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || double.IsNaN(parsed))
        {
            Problem(name, $"{Quoted(name)} is not a number. Use {hint}.");
            return fallback;
        }
        if (parsed < min || parsed > max || (integer && parsed != Math.Floor(parsed)))
        {
            Problem(name, $"{Shown(name)} is out of range. Use {hint}.");
            return fallback;
        }
        return parsed;
    }

    public int Integer(string name, int fallback, int min, int max, string hint) =>
        (int)Number(name, fallback, min, max, hint, integer: true);

    public TimeSpan Seconds(string name, TimeSpan fallback, double min, double max) =>
        TimeSpan.FromSeconds(Number(name, fallback.TotalSeconds, min, max,
            $"seconds, {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>One of a fixed set of words (case-insensitive); several words may mean the same choice.</summary>
    public T Choice<T>(string name, T fallback, params (string Word, T Value)[] choices)
    {
        if (Text(name) is not { } text) return fallback;
        foreach (var (word, value) in choices)
        {
            if (word.Equals(text, StringComparison.OrdinalIgnoreCase)) return value;
        }
        Problem(name, $"unknown value {Quoted(name)}. Use one of: {string.Join(", ", choices.Select(c => c.Word).Distinct())}.");
        return fallback;
    }

    /// <summary>The value quoted for a message, unless the setting is secret.</summary>
    public string Quoted(string name) => _known.TryGetValue(name, out var s) && s.Secret ? "(value not shown)" : $"'{Text(name)}'";

    public void ThrowIfProblems()
    {
        if (_problems.Count > 0) throw new HarnessConfigurationException(_problems);
    }

    private string Shown(string name) => _known.TryGetValue(name, out var s) && s.Secret ? "(value not shown)" : Text(name) ?? "";

    private string Declared(string name) =>
        _known.ContainsKey(name) ? name : throw new ArgumentException($"setting {name} is read but declared in no settings table", nameof(name));

    /// <summary>The known names of the same family (PVE_…, STATIC_…, GUEST_…), or all of them, for the unknown-setting hint.</summary>
    private IEnumerable<string> Family(string name)
    {
        var prefix = name.Split('_')[0] + "_";
        var family = _known.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        return family.Count > 1 ? family : _known.Keys;
    }
}
