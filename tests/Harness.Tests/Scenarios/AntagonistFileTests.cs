using Harness.Scenarios;
using Xunit;

namespace Harness.Tests.Scenarios;

public sealed class AntagonistFileTests : IDisposable
{
    private readonly TempFolder _files = new("harness-antagonists-");

    private IReadOnlyList<Scenario> Load(string s1) =>
        ScenarioFile.Load(Write($"""
            scenarios:
              - name: x
                guests:
                  - {s1}
                  - {"{"} name: S2, cpu: 50, ram: 20 {"}"}
            """));

    private string Write(string text) => _files.Write("s.yaml", text);

    [Fact]
    public void A_guest_takes_antagonists_with_class_intensity_and_sync_and_the_row_names_them()
    {
        var s = Assert.Single(Load("{ name: S1, cpu: 0, ram: 0, antagonists: [ { class: io, intensity: 60, sync: true }, { class: MemBW } ] }"));
        Assert.Equal([new Antagonist("io", 60, true), new Antagonist("membw")], s.Loads[0].AntagonistsOrNone);
        Assert.True(s.HasAntagonists);
        Assert.Equal("x (S1 0/0 +io+sync 60% +membw 100%, S2 50/20)", s.DisplayName);
    }

    [Fact]
    public void The_papers_rows_carry_no_antagonists_and_keep_their_names()
    {
        Assert.All(PaperScenarios.All, s => Assert.False(s.HasAntagonists));
        Assert.Equal("Scenario 05 (S1 90/80, S2 90/80, S3 90/80, S4 90/80)", PaperScenarios.All[4].DisplayName);
    }

    [Theory]
    [InlineData("{ class: disk }", "unknown antagonist class 'disk'; use one of io, membw, net, cache, fork")]
    [InlineData("{ intensity: 50 }", "antagonists[0]: missing 'class' (one of io, membw, net, cache, fork)")]
    [InlineData("{ class: cache, sync: true }", "'sync' applies only to an io antagonist")]
    [InlineData("{ class: io, intensity: 0 }", "antagonist intensity 0 is outside 1-100")]
    [InlineData("{ class: io, intensity: 150 }", "antagonist intensity 150 is outside 1-100")]
    [InlineData("{ class: membw, sync: true }", "'sync' applies only to an io antagonist")]
    public void A_bad_antagonist_stops_the_run_naming_what_is_wrong(string antagonist, string message)
    {
        var e = Assert.Throws<ScenarioValidationException>(() => Load($"{{ name: S1, cpu: 0, ram: 0, antagonists: [ {antagonist} ] }}"));
        Assert.Contains(e.Problems, p => p.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("cache")]
    [InlineData("Fork")]
    public void Cache_and_fork_antagonists_are_accepted_at_any_intensity(string cls)
    {
        var s = Assert.Single(Load($"{{ name: S1, cpu: 0, ram: 0, antagonists: [ {{ class: {cls} }}, {{ class: {cls}, intensity: 30 }} ] }}"));
        Assert.Equal([new Antagonist(cls.ToLowerInvariant()), new Antagonist(cls.ToLowerInvariant(), 30)], s.Loads[0].AntagonistsOrNone);
    }

    [Fact]
    public void A_net_antagonist_is_accepted_and_paced_like_the_others()
    {
        var s = Assert.Single(Load("{ name: S1, cpu: 0, ram: 0, antagonists: [ { class: net, intensity: 1 } ] }"));
        Assert.Equal([new Antagonist(Antagonist.Net, 1)], s.Loads[0].AntagonistsOrNone);
        Assert.Contains("+net 1%", s.DisplayName);
    }

    [Fact]
    public void A_row_in_which_every_guest_runs_an_antagonist_has_no_victim_and_is_refused()
    {
        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioFile.Load(Write("""
            scenarios:
              - name: x
                guests:
                  - { name: S1, cpu: 0, ram: 0, antagonists: [ { class: io } ] }
                  - { name: S2, cpu: 0, ram: 0, antagonists: [ { class: membw } ] }
            """)));
        Assert.Contains(e.Problems, p => p.Contains("leave at least one victim", StringComparison.Ordinal));
    }

    [Fact]
    public void The_shipped_beyond_paper_file_loads_with_one_row_per_implemented_class()
    {
        var file = Path.Combine(Harness.Configuration.OptionsLoader.RepositoryRoot()!, "scenarios", "beyond-paper.yaml");
        var rows = ScenarioFile.Load(file);
        Assert.Equal(Antagonist.Implemented.Order(), rows.SelectMany(r => r.Loads).SelectMany(l => l.AntagonistsOrNone).Select(a => a.Class).Order());
        Assert.All(rows, r => Assert.Single(r.Loads, l => l.AntagonistsOrNone.Count > 0));
    }

    public void Dispose() => _files.Dispose();
}
