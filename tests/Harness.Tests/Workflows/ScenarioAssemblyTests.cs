using System.Reflection;
using Xunit;
using Xunit.Sdk;
using Xunit.v3;

namespace Harness.Tests.Workflows;

/// <summary>`dotnet test tests/Scenarios` without runsettings.xml still runs one scenario at a time.</summary>
public sealed class ScenarioAssemblyTests
{
    [Fact]
    public void The_scenario_assembly_itself_turns_parallel_collections_off()
    {
        // The scenario project's own build output, next to this one (same configuration and framework).
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(Harness.Configuration.OptionsLoader.RepositoryRoot()!, "tests", "Scenarios", "bin", here.Parent!.Name, here.Name,
            "Harness.Scenarios.Tests.dll");
        Assert.True(File.Exists(path), $"{path} is missing; build the solution");
        var attribute = Assert.Single(Assembly.LoadFrom(path).GetCustomAttributesData(), a => a.AttributeType == typeof(ParallelizationAttribute));
        var mode = Assert.Single(attribute.NamedArguments, a => a.MemberName == nameof(ParallelizationAttribute.Mode));
        Assert.Equal(ParallelMode.None, (ParallelMode)mode.TypedValue.Value!);
    }
}
