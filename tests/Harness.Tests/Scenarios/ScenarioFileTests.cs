using Harness.Scenarios;
using Xunit;

namespace Harness.Tests.Scenarios;

public sealed class ScenarioFileTests : IDisposable
{
    private readonly TempFolder _files = new("harness-scenarios-");

    private string Write(string name, string text) => _files.Write(name, text);

    [Fact]
    public void Yaml_and_json_give_the_same_scenarios()
    {
        var yaml = Write("s.yaml", """
            scenarios:
              - name: noisy
                guests:
                  - { name: S1, cpu: 100, ram: 90 }
                  - { name: S2, cpu: 10, ram: 30 }
            """);
        var json = Write("s.json", """
            { "scenarios": [ { "name": "noisy", "guests": [
                { "name": "S1", "cpu": 100, "ram": 90 }, { "name": "S2", "cpu": 10, "ram": 30 } ] } ] }
            """);
        var fromYaml = ScenarioFile.Load(yaml);
        var fromJson = ScenarioFile.Load(json);
        Assert.Equal("noisy (S1 100/90, S2 10/30)", Assert.Single(fromYaml).DisplayName);
        Assert.Equal(fromYaml.Single().DisplayName, fromJson.Single().DisplayName);
    }

    [Theory]
    [InlineData("s.yaml", "scenarios:\n  - guests:\n      - { name: S1, cpu: 10, ram: 30 }\n", "scenarios[0]: missing 'name'")]
    [InlineData("s.yaml", "scenarios:\n  - name: x\n    guests:\n      - { name: S1, ram: 30 }\n", "scenarios[0].guests[0]: missing 'cpu'")]
    [InlineData("s.yaml", "scenarios:\n  - name: x\n    guests:\n      - { name: S1, cpu: 10 }\n", "scenarios[0].guests[0]: missing 'ram'")]
    [InlineData("s.yaml", "scenarios:\n  - name: x\n    guests:\n      - { name: S1, cpu: 120, ram: 30 }\n", "guest S1: cpu 120 is outside 0-100")]
    [InlineData("s.yaml", "scenarios:\n  - name: x\n    guests:\n      - { name: S1, cpu: 100, ram: 30, weight: 0 }\n", "guest S1: weight 0 is outside 1-100")]
    [InlineData("s.json", "{ \"scenarios\": [ ", "cannot be parsed")]
    [InlineData("s.yaml", "scenarios: []\n", "no 'scenarios' list found")]
    [InlineData("s.yaml", "scenario:\n  - name: x\n", "cannot be parsed")]
    [InlineData("s.txt", "scenarios: []", "unknown extension '.txt'")]
    public void Bad_files_are_refused_with_the_problem_named(string name, string text, string expected)
    {
        var path = Write(name, text);
        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioFile.Load(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Guests_may_carry_cpu_weights_and_then_every_guest_needs_one()
    {
        var weighted = Write("w.yaml", """
            scenarios:
              - name: shares
                guests:
                  - { name: S1, cpu: 100, ram: 20, weight: 2 }
                  - { name: S2, cpu: 100, ram: 20, weight: 1 }
            """);
        var scenario = Assert.Single(ScenarioFile.Load(weighted));
        Assert.True(scenario.IsFairShare);
        Assert.Equal("shares (S1 100/20 w2, S2 100/20 w1)", scenario.DisplayName);

        var half = Write("h.yaml", """
            scenarios:
              - name: half
                guests:
                  - { name: S1, cpu: 100, ram: 20, weight: 2 }
                  - { name: S2, cpu: 100, ram: 20 }
            """);
        Assert.Contains("give every guest a 'weight' or none", Assert.Throws<ScenarioValidationException>(() => ScenarioFile.Load(half)).Message);
    }

    [Fact]
    public void The_shipped_fair_share_file_is_valid()
    {
        var path = Path.Combine(Harness.Tests.Reporting.RecordedRun.RepositoryRoot, "scenarios", "fair-share.yaml");
        Assert.All(ScenarioFile.Load(path), s => Assert.True(s.IsFairShare, s.Name));
    }

    public void Dispose() => _files.Dispose();
}
