using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Harness.Pve.Schema;

/// <summary>
/// The named formats PVE checks that the harness's requests touch, and property strings (<c>key=value,…</c>) whose
/// format the schema spells out inline. A named format not listed in <see cref="Check"/> is accepted unchecked:
/// guessing its rules would refuse what PVE accepts. Inside property strings the structure (known keys, a bare value
/// only where a default key exists, no key twice, required keys) and each value's own rules are checked; those
/// texts are ours, PVE's are not recorded.
/// </summary>
public static partial class PveFormats
{
    private static readonly ConcurrentDictionary<string, Regex?> Patterns = new(StringComparer.Ordinal);

    /// <summary>Named formats this checker implements (also as NAME-list); any other name passes.</summary>
    public static IReadOnlyCollection<string> Checked { get; } =
    [
        "pve-vmid", "pve-node", "dns-name", "pve-storage-id", "pve-bridge-id", "urlencoded", "pve-tag", "pve-tag-list",
        "pve-ipv4-config", "ipv4", "ipv6", "CIDR", "pve-qm-ipconfig",
    ];

    /// <returns>Why PVE refuses <paramref name="value"/> for <paramref name="format"/>, or null.</returns>
    public static string? Check(string format, string value)
    {
        switch (format)
        {
            case "pve-vmid": return Vmid().IsMatch(value) ? null : "value does not look like a valid VM ID";
            case "pve-node": return Node().IsMatch(value) ? null : "value does not look like a valid node name";
            case "dns-name": return DnsName().IsMatch(value) ? null : "value does not look like a valid DNS name";
            case "pve-storage-id": return StorageId().IsMatch(value) ? null : $"storage ID '{value}' contains illegal characters";
            case "pve-bridge-id": return BridgeId().IsMatch(value) ? null : $"'{value}' is not a valid bridge name";
            case "urlencoded": return UrlEncoded().IsMatch(value) ? null : $"invalid urlencoded string: {value}";
            case "pve-tag": return Tag().IsMatch(value) ? null : $"invalid tag '{value}'";
            case "pve-tag-list":
                return value.Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries).Select(t => Check("pve-tag", t)).FirstOrDefault(e => e is not null);
            case "pve-ipv4-config": return value is "dhcp" or "manual" || IsCidr(value, AddressFamily.InterNetwork) ? null : $"invalid IPv4 configuration '{value}'";
            case "ipv4": return IsIp(value, AddressFamily.InterNetwork) ? null : $"value does not look like a valid IPv4 address '{value}'";
            case "ipv6": return IsIp(value, AddressFamily.InterNetworkV6) ? null : $"value does not look like a valid IPv6 address '{value}'";
            case "CIDR":
                return IsCidr(value, AddressFamily.InterNetwork) || IsCidr(value, AddressFamily.InterNetworkV6) ? null : $"value does not look like a valid CIDR network '{value}'";
            case "pve-qm-ipconfig": return CheckKeys(value, QmIpConfig);
        }
        if (format.EndsWith("-list", StringComparison.Ordinal) && Checked.Contains(format[..^5]))
        {
            return value.Split([';', ',', ' ', '\0'], StringSplitOptions.RemoveEmptyEntries).Select(v => Check(format[..^5], v)).FirstOrDefault(e => e is not null);
        }
        return null;
    }

    /// <summary>A property string against an inline format: <c>{key: {type, optional, default_key, alias, keyAlias, …}}</c>.</summary>
    public static string? CheckPropertyString(JsonElement format, string value)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            string key, v;
            if (eq < 0)
            {
                var defaultKey = format.EnumerateObject().FirstOrDefault(p => p.Value.TryGetProperty("default_key", out var d) && d.ValueKind != JsonValueKind.False && d.ToString() != "0");
                if (defaultKey.Value.ValueKind == JsonValueKind.Undefined) return $"value without key, but the format has no default key: '{part}'";
                (key, v) = (defaultKey.Name, part);
            }
            else (key, v) = (part[..eq], part[(eq + 1)..]);
            if (!format.TryGetProperty(key, out var keySchema)) return $"unknown key '{key}' in property string";
            // "virtio=MAC" means model=virtio, macaddr=MAC: the key names one value and carries another.
            if (keySchema.TryGetProperty("alias", out var alias) && alias.ValueKind == JsonValueKind.String)
            {
                if (keySchema.TryGetProperty("keyAlias", out var keyAlias) && keyAlias.ValueKind == JsonValueKind.String
                    && !given.TryAdd(keyAlias.GetString()!, key)) return $"duplicate key '{keyAlias.GetString()}' in property string";
                key = alias.GetString()!;
                if (!format.TryGetProperty(key, out keySchema)) return $"unknown key '{key}' in property string";
            }
            if (!given.TryAdd(key, v)) return $"duplicate key '{key}' in property string";
        }
        foreach (var p in format.EnumerateObject())
        {
            if (p.Value.TryGetProperty("alias", out _)) continue;
            if (given.TryGetValue(p.Name, out var v))
            {
                if (PveParameterRules.CheckValue(p.Value, v) is { } e) return $"{p.Name}: {e}";
            }
            else if (!PveParameterRules.IsOptional(p.Value)) return $"missing key '{p.Name}' in property string";
        }
        return null;
    }

    /// <summary>
    /// A Perl pattern from the schema as a .NET regex, anchored as PVE anchors it (<c>^(?:…)$</c>); null when it
    /// cannot be translated, so an untranslatable pattern refuses nothing.
    /// </summary>
    internal static Regex? PerlRegex(string pattern) => Patterns.GetOrAdd(pattern, p =>
    {
        // Perl's (?^:…) resets flags to the defaults; .NET has no such group, and defaults are what it has anyway.
        var net = p.Replace("(?^:", "(?:", StringComparison.Ordinal).Replace("(?^i:", "(?i:", StringComparison.Ordinal);
        try
        {
            return new Regex($"^(?:{net})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return null;
        }
    });

    private static string? CheckKeys(string value, IReadOnlyDictionary<string, string> keyFormats)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) return $"value without key, but the format has no default key: '{part}'";
            var key = part[..eq];
            if (!keyFormats.TryGetValue(key, out var f)) return $"unknown key '{key}' in property string";
            if (!seen.Add(key)) return $"duplicate key '{key}' in property string";
            if (Check(f, part[(eq + 1)..]) is { } e) return $"{key}: {e}";
        }
        return null;
    }

    private static readonly Dictionary<string, string> QmIpConfig = new(StringComparer.Ordinal)
    {
        ["ip"] = "pve-ipv4-config", ["gw"] = "ipv4", ["ip6"] = "pve-ipv6-config", ["gw6"] = "ipv6",
    };

    private static bool IsIp(string value, AddressFamily family) =>
        IPAddress.TryParse(value, out var ip) && ip.AddressFamily == family
        && (family != AddressFamily.InterNetwork || DottedQuad().IsMatch(value));

    private static bool IsCidr(string value, AddressFamily family)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IsIp(value[..slash], family)) return false;
        return int.TryParse(value[(slash + 1)..], out var prefix) && prefix >= 0 && prefix <= (family == AddressFamily.InterNetwork ? 32 : 128);
    }

    [GeneratedRegex(@"^[1-9][0-9]{2,8}$")]
    private static partial Regex Vmid();

    [GeneratedRegex(@"^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?$")]
    private static partial Regex Node();

    [GeneratedRegex(@"^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)*$")]
    private static partial Regex DnsName();

    [GeneratedRegex(@"^[a-z][a-z0-9\-_.]*[a-z0-9]$", RegexOptions.IgnoreCase)]
    private static partial Regex StorageId();

    [GeneratedRegex(@"^[-_.\w\d]+$")]
    private static partial Regex BridgeId();

    [GeneratedRegex(@"^[-%a-zA-Z0-9_.!~*'()]*$")]
    private static partial Regex UrlEncoded();

    [GeneratedRegex(@"^[a-z0-9_][a-z0-9_+.\-]*$", RegexOptions.IgnoreCase)]
    private static partial Regex Tag();

    [GeneratedRegex(@"^\d{1,3}(\.\d{1,3}){3}$")]
    private static partial Regex DottedQuad();
}
