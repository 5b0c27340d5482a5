using System.Text.Json;

namespace Harness.Pve.Schema;

/// <summary>
/// What PVE's own parameter check would say about one request: the schema path it matched (null when PVE has no
/// such method and path, which it answers with 501) and one error per refused parameter, worded as PVE words them.
/// </summary>
public sealed record PveRequestCheck(string? SchemaPath, IReadOnlyDictionary<string, string> Errors)
{
    /// <summary>The reason phrase of PVE's 400 answer to a refused parameter.</summary>
    public const string ParameterVerificationFailed = "Parameter verification failed.";

    public bool IsValid => SchemaPath is not null && Errors.Count == 0;

    /// <summary>True when PVE knows the method and path (otherwise it answers 501 "Method '…' not implemented").</summary>
    public bool IsKnown => SchemaPath is not null;

    /// <summary>PVE's 400 body for these errors: <c>{"data":null,"errors":{param: message}}</c>.</summary>
    public string ErrorBody() => ErrorBody(Errors);

    public static string ErrorBody(IReadOnlyDictionary<string, string> errors) =>
        JsonSerializer.Serialize(new Dictionary<string, object?> { ["data"] = null, ["errors"] = errors });

    public override string ToString() =>
        SchemaPath is null ? "no such method and path in the schema"
        : Errors.Count == 0 ? $"valid ({SchemaPath})"
        : $"{ParameterVerificationFailed} ({SchemaPath}: {string.Join("; ", Errors.Select(e => $"{e.Key}: {e.Value}"))})";
}
