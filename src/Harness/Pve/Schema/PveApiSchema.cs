using System.Text;
using System.Text.Json;

namespace Harness.Pve.Schema;

/// <summary>
/// PVE's API schema (the data behind its API viewer) and the parameter check PVE applies before any handler runs:
/// unknown parameters, required ones, types, ranges, enums, patterns and the named formats in <see cref="PveFormats"/>.
/// Path parameters ({node}, {vmid}) are checked as PVE checks them, as ordinary parameters.
/// </summary>
public sealed class PveApiSchema
{
    private readonly Dictionary<string, Dictionary<string, JsonElement>> _paths;
    private readonly List<(string Template, string[] Segments)> _templates;

    private PveApiSchema(Dictionary<string, Dictionary<string, JsonElement>> paths)
    {
        _paths = paths;
        _templates = paths.Keys.Select(p => (p, p.Trim('/').Split('/'))).ToList();
    }

    /// <summary>Schema paths (templates such as /nodes/{node}/qemu/{vmid}/clone) and their methods.</summary>
    public IReadOnlyDictionary<string, IReadOnlyCollection<string>> Endpoints =>
        _paths.ToDictionary(p => p.Key, p => (IReadOnlyCollection<string>)p.Value.Keys.ToList());

    /// <summary>
    /// JSON of the shape <c>{"paths": {PATH: {METHOD: {parameters, returns, permissions, …}}}}</c>, or the bare
    /// apidoc tree (an array of <c>{path, info, children}</c>).
    /// </summary>
    public static PveApiSchema Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return FromElement(doc.RootElement);
    }

    /// <summary>
    /// The API viewer's script (/pve-docs/api-viewer/apidoc.js): a JavaScript file whose first statement assigns the
    /// schema tree, <c>const apiSchema = [ {path, text, info: {GET: …}, children: [ … ]} ];</c>, followed by viewer code.
    /// </summary>
    public static PveApiSchema FromApiDocJs(string apidocJs)
    {
        var name = apidocJs.IndexOf("apiSchema", StringComparison.Ordinal);
        var start = name < 0 ? -1 : apidocJs.IndexOf('[', name);
        if (start < 0) throw new FormatException("no 'apiSchema = [' in the API viewer script");
        // Only the array literal is JSON; the viewer code after it is not, so read exactly one value.
        var bytes = Encoding.UTF8.GetBytes(apidocJs[start..]);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
        using var doc = JsonDocument.ParseValue(ref reader);
        return FromElement(doc.RootElement);
    }

    private static PveApiSchema FromElement(JsonElement root)
    {
        var paths = new Dictionary<string, Dictionary<string, JsonElement>>(StringComparer.Ordinal);
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("paths", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            foreach (var path in p.EnumerateObject())
            {
                var methods = paths[path.Name] = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var m in path.Value.EnumerateObject()) methods[m.Name.ToUpperInvariant()] = m.Value.Clone();
            }
        }
        else if (root.ValueKind == JsonValueKind.Array) AddTree(root, paths);
        else throw new FormatException("expected {\"paths\": {...}} or the apidoc tree (an array)");
        return new PveApiSchema(paths);
    }

    private static void AddTree(JsonElement nodes, Dictionary<string, Dictionary<string, JsonElement>> paths)
    {
        foreach (var node in nodes.EnumerateArray())
        {
            if (node.ValueKind != JsonValueKind.Object) continue;
            if (node.TryGetProperty("path", out var path) && path.ValueKind == JsonValueKind.String
                && node.TryGetProperty("info", out var info) && info.ValueKind == JsonValueKind.Object)
            {
                var methods = paths.TryGetValue(path.GetString()!, out var known) ? known : paths[path.GetString()!] = new(StringComparer.Ordinal);
                foreach (var m in info.EnumerateObject()) methods[m.Name.ToUpperInvariant()] = m.Value.Clone();
            }
            if (node.TryGetProperty("children", out var children) && children.ValueKind == JsonValueKind.Array) AddTree(children, paths);
        }
    }

    /// <summary>The schema entry (parameters, returns, permissions, …) of one method and path template, if any.</summary>
    public JsonElement? Describe(string method, string schemaPath) =>
        _paths.TryGetValue(schemaPath, out var methods) && methods.TryGetValue(method.ToUpperInvariant(), out var e) ? e : null;

    /// <summary>
    /// Checks one request. <paramref name="path"/> is the concrete path after /api2/json (e.g. /nodes/pve1/qemu/100/config,
    /// percent-escaped or not); <paramref name="parameters"/> are the query or form parameters as sent on the wire.
    /// </summary>
    public PveRequestCheck Validate(string method, string path, IReadOnlyDictionary<string, string> parameters)
    {
        var match = Match(method.ToUpperInvariant(), path);
        if (match is null) return new PveRequestCheck(null, new Dictionary<string, string>());
        var (template, pathParams, entry) = match.Value;
        var all = new Dictionary<string, string>(parameters, StringComparer.Ordinal);
        foreach (var (k, v) in pathParams) all[k] = v;
        var errors = entry.TryGetProperty("parameters", out var schema) && schema.ValueKind == JsonValueKind.Object
            ? PveParameterRules.CheckObject(schema, all)
            : new SortedDictionary<string, string>(StringComparer.Ordinal);
        return new PveRequestCheck(template, errors);
    }

    private (string Template, Dictionary<string, string> PathParams, JsonElement Entry)? Match(string method, string path)
    {
        var q = path.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0) path = path[..q];
        if (path.StartsWith("/api2/json", StringComparison.Ordinal)) path = path["/api2/json".Length..];
        var segments = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        (string, Dictionary<string, string>, JsonElement)? best = null;
        var bestLiterals = -1;
        foreach (var (template, pattern) in _templates)
        {
            if (pattern.Length != segments.Length || !_paths[template].TryGetValue(method, out var entry)) continue;
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var literals = 0;
            var ok = true;
            for (var i = 0; i < pattern.Length && ok; i++)
            {
                if (pattern[i].StartsWith('{') && pattern[i].EndsWith('}')) ok = segments[i].Length > 0 && (values[pattern[i][1..^1]] = segments[i]) is not null;
                else if (pattern[i] == segments[i]) literals++;
                else ok = false;
            }
            // /nodes/{node}/qemu beats /nodes/{node}/{x}: the more literal segments, the more specific.
            if (ok && literals > bestLiterals)
            {
                best = (template, values, entry);
                bestLiterals = literals;
            }
        }
        return best;
    }
}
