namespace PveEmulator;

/// <summary>The outcome of checking one request against PVE's API schema: parameter name to PVE's error text.</summary>
public sealed record RequestCheck(IReadOnlyDictionary<string, string> Errors)
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

    public string InnerName => inner.GetType().Name;

    public long Validated => Interlocked.Read(ref _validated);

    public long Refused => Interlocked.Read(ref _refused);

    public RequestCheck Validate(string method, string path, IReadOnlyDictionary<string, string> parameters)
    {
        var check = inner.Validate(method, path, parameters);
        Interlocked.Increment(ref _validated);
        if (!check.IsValid) Interlocked.Increment(ref _refused);
        return check;
    }
}

public static class Validators
{
    /// <summary>
    /// MERGE POINT for Harness.Pve.Schema.PveApiSchema (branch of the PVE API work). Once it is on main, add a
    /// ProjectReference to src/Harness and return an adapter here when <paramref name="schemaFile"/> is given:
    /// <code>
    /// var schema = Harness.Pve.Schema.PveApiSchema.Parse(File.ReadAllText(schemaFile));
    /// return new SchemaValidator(schema); // Validate(m, p, ps) => new RequestCheck(schema.Validate(m, p, ps).Errors)
    /// </code>
    /// Until then a schema file is refused rather than silently ignored.
    /// </summary>
    public static IRequestValidator Create(string? schemaFile) => schemaFile is null
        ? new PassThroughValidator()
        : throw new ArgumentException($"--schema {schemaFile}: schema validation is not merged into this build yet (see Validators.Create)");
}
