using Harness.Configuration;
using Harness.Scenarios;

namespace Harness.Fixtures;

/// <summary>The scenarios of this run: the user's file when HARNESS_SCENARIO_FILE is set, else the paper's Table 1.</summary>
public static class ScenarioCatalog
{
    /// <summary>Loads and validates; throws with a message naming every problem.</summary>
    public static IReadOnlyList<Scenario> Load(HarnessOptions options)
    {
        var scenarios = options.ScenarioFile is { } file ? ScenarioFile.Load(file) : PaperScenarios.All;
        ScenarioValidator.Validate(scenarios);
        return scenarios;
    }

    /// <summary>
    /// For test discovery, which must not throw: falls back to the paper's table when settings or the file are bad.
    /// The fixture reports the actual problem on every row before anything is started.
    /// </summary>
    public static IReadOnlyList<Scenario> ForDiscovery()
    {
        try
        {
            return Load(OptionsLoader.Load());
        }
        catch (Exception e) when (e is HarnessConfigurationException or ScenarioValidationException or IOException)
        {
            return PaperScenarios.All;
        }
    }
}
