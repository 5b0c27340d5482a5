namespace PveEmulator;

/// <summary>The outcome of checking one request against PVE's API schema: parameter name to PVE's error text.</summary>
public sealed record RequestCheck(IReadOnlyDictionary<string, string> Errors, bool InSchema = true)
{
    public static readonly RequestCheck Valid = new(new Dictionary<string, string>());

    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// Checks a request's parameters the way pve-common's JSONSchema does before any handler runs, so a request the real
/// node would refuse with 400 "Parameter verification failed." is refused here too.
/// </summary>
public interface IRequestValidator
{
    /// <param name="path">Relative to /api2/json, with the real values (nodes/pve-emu/qemu/100/config).</param>
    RequestCheck Validate(string method, string path, IReadOnlyDictionary<string, string> parameters);
}

/// <summary>Accepts everything: the default until the schema validator is merged.</summary>
public sealed class PassThroughValidator : IRequestValidator
{
    public RequestCheck Validate(string method, string path, IReadOnlyDictionary<string, string> parameters) => RequestCheck.Valid;
}

/// <summary>Counts what went through the validator, so a run can say how many requests were checked and refused.</summary>
public sealed class CountingValidator(IRequestValidator inner) : IRequestValidator
{
    private long _validated;
    private long _refused;
    private long _notInSchema;

    public string InnerName => inner.GetType().Name;

    public long Validated => Interlocked.Read(ref _validated);

    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Requests whose method and path the schema (a subset) does not describe: passed, not checked.</summary>
    public long NotInSchema => Interlocked.Read(ref _notInSchema);

    public RequestCheck Validate(string method, string path, IReadOnlyDictionary<string, string> parameters)
    {
        var check = inner.Validate(method, path, parameters);
        Interlocked.Increment(ref _validated);
        if (!check.IsValid) Interlocked.Increment(ref _refused);
        if (!check.InSchema) Interlocked.Increment(ref _notInSchema);
        return check;
    }
}

/// <summary>
/// The production schema check (Harness.Pve.Schema) in front of the emulator's handlers. The schema file is a subset
/// of PVE's API: a method and path it does not describe is let through (the handler then answers as the real node
/// would, or 501) and counted apart, rather than refused, because refusing it would be the emulator's invention.
/// </summary>
public sealed class SchemaValidator(Harness.Pve.Schema.PveApiSchema schema) : IRequestValidator
{
    public RequestCheck Validate(string method, string path, IReadOnlyDictionary<string, string> parameters)
    {
        var check = schema.Validate(method, "/" + path, parameters);
        return check.IsKnown ? new RequestCheck(check.Errors) : new RequestCheck(check.Errors, InSchema: false);
    }
}

public static class Validators
{
    /// <summary>The schema file copied beside the emulator's binary (tests/Data/pve-api-schema-subset.json).</summary>
    public static string DefaultSchemaFile => Path.Combine(AppContext.BaseDirectory, "pve-api-schema-subset.json");

    public static IRequestValidator Create(string? schemaFile) => schemaFile is null
        ? new PassThroughValidator()
        : new SchemaValidator(Harness.Pve.Schema.PveApiSchema.Parse(File.ReadAllText(schemaFile)));
}
