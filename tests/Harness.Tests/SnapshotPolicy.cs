using System.Runtime.CompilerServices;

namespace Harness.Tests;

/// <summary>
/// On a CI runner (CI=true, as GitHub Actions sets it) a snapshot that is missing fails its test instead of being
/// written and passing: a snapshot nobody committed would otherwise make every later run green by definition.
/// </summary>
internal static class SnapshotPolicy
{
    public const string StrictVariable = "SNAPSHOOTER_STRICT_MODE";

    [ModuleInitializer]
    internal static void Apply() => Apply(Environment.GetEnvironmentVariable("CI"));

    internal static void Apply(string? ci)
    {
        if (ci is not null && (ci == "1" || ci.Equals("true", StringComparison.OrdinalIgnoreCase)))
        {
            Environment.SetEnvironmentVariable(StrictVariable, "true");
        }
    }
}
