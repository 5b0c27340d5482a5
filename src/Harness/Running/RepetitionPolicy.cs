using System.Globalization;
using Harness.Analysis;

namespace Harness.Running;

/// <summary>
/// How many paired repetitions a scenario gets. After the first <see cref="First"/>, every check is pass, fail or
/// undecided (its interval straddles the limit). While any is undecided the scenario measures <see cref="Step"/>
/// more, up to <see cref="Max"/>; one still undecided there is inconclusive. A failing scenario is measured once
/// more before it fails — as many repetitions again, each in the reverse order of its counterpart, the data pooled
/// — so a fail needs two attempts that together still place the whole interval past the limit.
/// </summary>
internal sealed record RepetitionPolicy(int First, int Max, int Step = 2)
{
    public enum Action
    {
        Stop,
        Extend,
        Confirm,
    }

    /// <summary>What to do after <paramref name="done"/> repetitions judged as <paramref name="verdict"/>, and how many to add.</summary>
    public (Action Action, int Count) Next(Verdict verdict, int done, bool confirmed)
    {
        if (confirmed) return (Action.Stop, 0);
        if (verdict.Checks.Any(c => c.Failed)) return (Action.Confirm, done);
        if (verdict.Undecided.Any() && done < Max && !CannotBeJudged(verdict)) return (Action.Extend, Math.Min(Step, Max - done));
        return (Action.Stop, 0);
    }

    /// <summary>
    /// A check marked unjudged for a reason (no steal in a TCG VM, a guest that cannot see the CPU it loses, a busy
    /// host) stays so whatever more repetitions show, and the row is invalid: extending it would only spend time.
    /// </summary>
    private static bool CannotBeJudged(Verdict verdict) =>
        verdict.InvalidReasons is { Count: > 0 } || verdict.Checks.Any(c => c.UnjudgedReason is not null);

    /// <summary>The most repetitions a scenario can take: extended to the maximum, then confirmed.</summary>
    public int Worst => 2 * Math.Max(First, Max);

    /// <summary>How the repetitions were spent, for the verdict's notes: the report shows every attempt.</summary>
    public sealed class Log
    {
        private readonly List<string> _lines = [];

        /// <summary>Adds the line and hands it back: the same words go to the progress as the row is extended.</summary>
        public string Extended(Verdict verdict, int done, int added) =>
            Add(string.Create(CultureInfo.InvariantCulture, $"after {done} repetitions undecided: {Describe(verdict.Undecided)}; {added} more repetition(s)"));

        public string Confirming(Verdict verdict, int done) =>
            Add(string.Create(CultureInfo.InvariantCulture,
                $"first attempt ({done} repetitions): FAIL — {Describe(verdict.Checks.Where(c => c.Failed))}; {done} more in reverse order to confirm, data pooled"));

        private string Add(string line)
        {
            _lines.Add(line);
            return line;
        }

        public IReadOnlyList<string> Notes(Verdict final, int total, bool confirmed)
        {
            var outcome = final.Outcome.ToString().ToLowerInvariant();
            var last = confirmed
                ? final.Checks.Any(c => c.Failed) ? $"confirmed over {total} repetitions: {Describe(final.Checks.Where(c => c.Failed))}"
                  : $"not confirmed: over {total} repetitions the row is {outcome}"
                : $"{total} repetitions; {outcome}";
            return [.. _lines, last];
        }

        private static string Describe(IEnumerable<Check> checks) =>
            string.Join(", ", checks.Select(c => $"{c.Guest} {c.Metric.Label} {Check.Number(c.Measured)} [{Check.Number(c.Low)}, {Check.Number(c.High)}] {c.LimitText}"));
    }
}
