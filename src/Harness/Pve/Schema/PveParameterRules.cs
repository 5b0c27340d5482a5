using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Harness.Pve.Schema;

/// <summary>
/// PVE's checks of one parameter object (pve-common JSONSchema.pm: check_object, check_prop, check_type), applied to
/// wire values, which are all strings. The error texts are PVE's where they are known.
/// </summary>
internal static partial class PveParameterRules
{
    public static SortedDictionary<string, string> CheckObject(JsonElement schema, IReadOnlyDictionary<string, string> values)
    {
        var errors = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var strict = schema.TryGetProperty("additionalProperties", out var ap) && IsFalse(ap);
        foreach (var (name, value) in values)
        {
            var prop = Find(properties, name);
            if (prop is null)
            {
                if (strict) errors[name] = "property is not defined in schema and the schema does not allow additional properties";
                continue;
            }
            if (CheckValue(prop.Value, value) is { } error) errors[name] = error;
        }
        if (properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var prop in properties.EnumerateObject())
            {
                if (prop.Name.Contains("[n]", StringComparison.Ordinal) || IsOptional(prop.Value) || values.ContainsKey(prop.Name)) continue;
                errors[prop.Name] = "property is missing and it is not optional";
            }
        }
        return errors;
    }

    /// <summary>A property by name; <c>net3</c> is found as <c>net[n]</c>.</summary>
    public static JsonElement? Find(JsonElement properties, string name)
    {
        if (properties.ValueKind != JsonValueKind.Object) return null;
        if (properties.TryGetProperty(name, out var exact)) return exact;
        var m = Numbered().Match(name);
        return m.Success && properties.TryGetProperty(m.Groups[1].Value + "[n]", out var numbered) ? numbered : null;
    }

    /// <returns>PVE's complaint about <paramref name="value"/>, or null when it would accept it.</returns>
    public static string? CheckValue(JsonElement prop, string value)
    {
        var type = prop.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "string";
        switch (type)
        {
            case "boolean":
                // PVE's API wants 0 or 1; clients that send true/false get this answer.
                if (value is not ("0" or "1")) return $"type check ('boolean') failed - got '{value}'";
                break;
            case "integer":
                if (!Integer().IsMatch(value)) return $"type check ('integer') failed - got '{value}'";
                break;
            case "number":
                if (!Number().IsMatch(value)) return $"type check ('number') failed - got '{value}'";
                break;
        }
        if (type is "integer" or "number")
        {
            var n = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (Limit(prop, "minimum") is { } min && n < min.Value) return $"value must have a minimum value of {min.Text}";
            if (Limit(prop, "maximum") is { } max && n > max.Value) return $"value must have a maximum value of {max.Text}";
        }
        if (type == "string")
        {
            if (Limit(prop, "maxLength") is { } maxLen && value.Length > maxLen.Value) return $"value may only be {maxLen.Text} characters long";
            if (Limit(prop, "minLength") is { } minLen && value.Length < minLen.Value) return $"value must be at least {minLen.Text} characters long";
        }
        if (prop.TryGetProperty("enum", out var e) && e.ValueKind == JsonValueKind.Array)
        {
            var allowed = e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToList();
            if (!allowed.Contains(value, StringComparer.Ordinal)) return $"value '{value}' does not have a value in the enumeration '{string.Join(", ", allowed)}'";
        }
        if (prop.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.String
            && PveFormats.PerlRegex(pattern.GetString()!) is { } regex && !regex.IsMatch(value))
        {
            return "value does not match the regex pattern";
        }
        if (prop.TryGetProperty("format", out var format))
        {
            var problem = format.ValueKind switch
            {
                JsonValueKind.String => PveFormats.Check(format.GetString()!, value),
                JsonValueKind.Object => PveFormats.CheckPropertyString(format, value),
                _ => null,
            };
            if (problem is not null) return "invalid format - " + problem;
        }
        return null;
    }

    public static bool IsOptional(JsonElement prop) =>
        prop.TryGetProperty("optional", out var o) && !IsFalse(o);

    private static bool IsFalse(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.False => true,
        JsonValueKind.Number => e.GetDouble() == 0,
        JsonValueKind.String => e.GetString() is "0" or "",
        _ => false,
    };

    /// <summary>Schema limits come as numbers or, now and then, as strings ("minimum": "0").</summary>
    private static (double Value, string Text)? Limit(JsonElement prop, string name)
    {
        if (!prop.TryGetProperty(name, out var v)) return null;
        var text = v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (d, text) : null;
    }

    [GeneratedRegex(@"^([a-z][a-z0-9_-]*?)(\d+)$")]
    private static partial Regex Numbered();

    [GeneratedRegex(@"^[+-]?\d+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex Number();
}
