using Harness.Analysis;
using Harness.Running;
using Xunit;

namespace Harness.Tests.Running;

public sealed class RepetitionPolicyTests
{
    private static readonly RepetitionPolicy Policy = new(First: 6, Max: 12, Step: 2);

    private static Verdict With(params Check[] checks) => new("Scenario 04", checks);

    private static readonly Check Decided = new("S1", Metric.Cpu, 90, 90, 5, Low: 89, High: 91);
    private static readonly Check Straddling = new("S4", Metric.Slowdown, 0, 74, 90, Low: 57, High: 102, Kind: CheckKind.AtMost);
    private static readonly Check Failing = new("S4", Metric.Slowdown, 0, 140, 90, Low: 110, High: 170, Kind: CheckKind.AtMost);

    [Fact]
    public void A_scenario_whose_checks_are_all_decided_stops_at_the_first_repetitions()
    {
        Assert.Equal((RepetitionPolicy.Action.Stop, 0), Policy.Next(With(Decided), 6, confirmed: false));
    }

    [Fact]
    public void An_undecided_check_adds_repetitions_in_steps_up_to_the_maximum_and_then_stops_inconclusive()
    {
        Assert.Equal((RepetitionPolicy.Action.Extend, 2), Policy.Next(With(Decided, Straddling), 6, confirmed: false));
        Assert.Equal((RepetitionPolicy.Action.Extend, 1), new RepetitionPolicy(6, 11).Next(With(Straddling), 10, confirmed: false));
        var atMax = With(Decided, Straddling);
        Assert.Equal((RepetitionPolicy.Action.Stop, 0), Policy.Next(atMax, 12, confirmed: false));
        Assert.Equal(Outcome.Inconclusive, atMax.Outcome);
    }

    [Fact]
    public void A_row_with_a_check_that_cannot_be_judged_is_not_extended_for_its_undecided_ones()
    {
        var blind = Decided with { Metric = Metric.WaitIncrease, UnjudgedReason = "steal stayed at zero through every co-run segment" };

        Assert.Equal((RepetitionPolicy.Action.Stop, 0), Policy.Next(With(blind, Straddling), 6, confirmed: false));
        Assert.Equal((RepetitionPolicy.Action.Stop, 0), Policy.Next(new Verdict("Scenario 04", [Straddling], ["host busy"]), 6, confirmed: false));
        // A fail is still confirmed: a failed check outranks an unjudged one.
        Assert.Equal((RepetitionPolicy.Action.Confirm, 6), Policy.Next(With(blind, Failing), 6, confirmed: false));
    }

    [Fact]
    public void A_fail_is_measured_again_with_as_many_repetitions_before_it_stands_and_only_once()
    {
        Assert.Equal((RepetitionPolicy.Action.Confirm, 6), Policy.Next(With(Failing, Straddling), 6, confirmed: false));
        Assert.Equal((RepetitionPolicy.Action.Confirm, 10), Policy.Next(With(Failing), 10, confirmed: false));
        Assert.Equal((RepetitionPolicy.Action.Stop, 0), Policy.Next(With(Failing), 12, confirmed: true));
        Assert.Equal((RepetitionPolicy.Action.Stop, 0), Policy.Next(With(Straddling), 12, confirmed: true));
        Assert.Equal(24, Policy.Worst);
    }

    [Fact]
    public void The_notes_show_every_attempt_and_whether_the_fail_was_confirmed()
    {
        var log = new RepetitionPolicy.Log();
        var extended = log.Extended(With(Straddling), 6, 2);
        var confirming = log.Confirming(With(Failing), 8);
        var notes = log.Notes(With(Decided, Straddling), 16, confirmed: true);

        Assert.Equal(3, notes.Count);
        // The progress prints the very lines the report keeps.
        Assert.Equal([extended, confirming], notes.Take(2));
        Assert.Contains("after 6 repetitions undecided: S4 slowdown % 74.0 [57.0, 102.0] ≤ 90.0; 2 more repetition(s)", notes[0]);
        Assert.Contains("first attempt (8 repetitions): FAIL — S4 slowdown % 140.0 [110.0, 170.0] ≤ 90.0; 8 more in reverse order", notes[1]);
        Assert.Equal("not confirmed: over 16 repetitions the row is inconclusive", notes[2]);
        Assert.StartsWith("confirmed over 16 repetitions: S4 slowdown", new RepetitionPolicy.Log().Notes(With(Failing), 16, confirmed: true)[0]);
        Assert.Equal("6 repetitions; pass", new RepetitionPolicy.Log().Notes(With(Decided), 6, confirmed: false)[0]);
    }
}
