using Harness.Scenarios;
using Xunit;

namespace Harness.Tests.Scenarios;

public sealed class ScenarioTests
{
    [Fact]
    public void The_paper_table_has_16_valid_scenarios_of_four_guests()
    {
        Assert.Equal(16, PaperScenarios.All.Count);
        Assert.Empty(ScenarioValidator.Problems(PaperScenarios.All));
        Assert.All(PaperScenarios.All, s => Assert.Equal(["S1", "S2", "S3", "S4"], s.Loads.Select(l => l.Guest)));
    }

    [Theory]
    [InlineData(0, "Scenario 01 (S1 10/30, S2 10/30, S3 10/30, S4 10/30)")]
    [InlineData(4, "Scenario 05 (S1 90/80, S2 90/80, S3 90/80, S4 90/80)")]
    [InlineData(12, "Scenario 13 (S1 90/80, S2 50/55, S3 10/30, S4 10/30)")]
    [InlineData(15, "Scenario 16 (S1 60/50, S2 40/40, S3 80/70, S4 20/30)")]
    public void Rows_have_readable_names(int index, string expected) =>
        Assert.Equal(expected, PaperScenarios.All[index].DisplayName);

    [Fact]
    public void Validation_names_every_problem()
    {
        Scenario[] scenarios =
        [
            new("a", [new("S1", 10, 30), new("S2", 101, 30), new("S3", 10, -1), new("S3", 10, 30)]),
            new("A", [new("S1", 10, 30)]),
            new("nine", Enumerable.Range(1, 9).Select(i => new GuestLoad($"S{i}", 10, 30)).ToArray()),
            new("gap", [new("S1", 10, 30), new("S3", 10, 30)]),
        ];
        var problems = ScenarioValidator.Problems(scenarios);
        Assert.Contains(problems, p => p.Contains("scenario name 'a' is used 2 times"));
        Assert.Contains(problems, p => p.Contains("guest S2: cpu 101 is outside 0-100"));
        Assert.Contains(problems, p => p.Contains("guest S3: ram -1 is outside 0-100"));
        Assert.Contains(problems, p => p.Contains("guest name 'S3' appears 2 times"));
        Assert.Contains(problems, p => p.Contains("'nine' has 9 guests; a scenario has 1 to 8"));
        Assert.Contains(problems, p => p.Contains("'gap': guests are named S1, S3; a row of 2 names S1, S2"));
        Assert.DoesNotContain(problems, p => p.Contains("'A'") && p.Contains("guests"));
    }
}
