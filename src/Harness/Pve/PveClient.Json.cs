using System.Globalization;
using System.Text.Json;

namespace Harness.Pve;

/// <summary>Reading PVE's answers, which do not always match the schema's types.</summary>
public sealed partial class PveClient
{
    /// <summary>The guest agent says ipv4/ipv6; the LXC endpoint passes on what 'ip' says, inet/inet6.</summary>
    private static string AddressType(string? type) => type?.ToLowerInvariant() switch
    {
        "inet" => "ipv4",
        "inet6" => "ipv6",
        { } t => t,
        null => "",
    };

    internal static string? Str(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        };
    }

    /// <summary>PVE does not coerce return values to its schema, so numbers may arrive as strings.</summary>
    internal static double Num(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? AsNumber(v) : 0;

    internal static double AsNumber(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        JsonValueKind.True => 1,
        _ => 0,
    };

    /// <summary>The pressure* fields, or null from a PVE that has none (8.x): absent is not zero.</summary>
    internal static PvePressure? Pressure(JsonElement d) =>
        d.ValueKind == JsonValueKind.Object && d.TryGetProperty("pressurecpusome", out _)
            ? new PvePressure(Num(d, "pressurecpusome"), Num(d, "pressurecpufull"), Num(d, "pressurememorysome"), Num(d, "pressurememoryfull"),
                Num(d, "pressureiosome"), Num(d, "pressureiofull"))
            : null;
}
