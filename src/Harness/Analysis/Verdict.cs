using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace Harness.Analysis;

public enum Outcome
{
    Pass,
    Fail,

    /// <summary>Neither pass nor fail: the run could not judge (loads off target, a signal missing, references too noisy).</summary>
    Invalid,

    /// <summary>
    /// Neither pass nor fail: the value was measured, but after the most repetitions allowed its 95% interval still
    /// reaches inside the limit and its 90% interval still reaches past it. Counted like invalid: a gate that cannot
    /// tell must not read as a pass.
    /// </summary>
    Inconclusive,
}

public enum CheckKind
{
    /// <summary>Measured must lie within Target ± Tolerance.</summary>
    Band,

    /// <summary>Measured must not exceed Tolerance (a budget such as slowdown or throughput loss).</summary>
    AtMost,
}

/// <summary>
/// One judged number: guest, metric, target, measured with its 95% interval, limit and outcome. A check fails
/// when its whole 95% interval lies past the limit, and passes when its whole 90% interval lies within it (each
/// bound of that is a one-sided 95% bound: the two one-sided tests of an equivalence test); otherwise it is
/// undecided, and inconclusive if it stays so (the protocol measures more repetitions while any check is). Without
/// a 90% interval the 95% one decides both ways. Without a finite value or an interval it is not judged (never a
/// pass, never a fail), and <see cref="UnjudgedReason"/> may say why the value cannot be trusted.
/// </summary>
public sealed record Check(
    string Guest, Metric Metric, double Target, double Measured, double Tolerance,
    double Low = double.NaN, double High = double.NaN, CheckKind Kind = CheckKind.Band, string? UnjudgedReason = null,
    double Low90 = double.NaN, double High90 = double.NaN)
{
    /// <summary>A check of an estimate, carrying both its intervals.</summary>
    public static Check Of(string guest, Metric metric, double target, Estimate e, double tolerance, CheckKind kind = CheckKind.Band, string? unjudged = null) =>
        new(guest, metric, target, e.Value, tolerance, e.Low, e.High, kind, unjudged, e.Low90, e.High90);

    private double PassLow => double.IsNaN(Low90) ? Low : Low90;

    private double PassHigh => double.IsNaN(High90) ? High : High90;

    public double Error => Measured - Target;

    [JsonIgnore]
    public bool HasInterval => !double.IsNaN(Low) && !double.IsNaN(High);

    private readonly Outcome? _recorded;

    /// <summary>
    /// Judged from the interval and the limit; a check read back from results.json keeps the outcome it was decided
    /// with (before schema 4 an interval straddling its limit passed), so a report shows what the run decided.
    /// </summary>
    public Outcome Outcome { get => _recorded ?? Judged; init => _recorded = value; }

    private Outcome Judged =>
        UnjudgedReason is not null || double.IsNaN(Measured) || !HasInterval ? Outcome.Invalid
        : Kind == CheckKind.AtMost ? (Low > Tolerance ? Outcome.Fail : PassHigh <= Tolerance ? Outcome.Pass : Outcome.Inconclusive)
        : High < Target - Tolerance || Low > Target + Tolerance ? Outcome.Fail
        : PassLow >= Target - Tolerance && PassHigh <= Target + Tolerance ? Outcome.Pass
        : Outcome.Inconclusive;

    public bool Passed => Outcome == Outcome.Pass;

    [JsonIgnore]
    public bool Failed => Outcome == Outcome.Fail;

    /// <summary>"≤ 20.0" for a budget, "±5.0" for a band: how the limit reads everywhere it is shown.</summary>
    [JsonIgnore]
    public string LimitText => Kind == CheckKind.AtMost ? "≤ " + Number(Tolerance) : "±" + Number(Tolerance);

    [JsonIgnore]
    public string OutcomeText => Outcome switch
    {
        Outcome.Pass => "pass", Outcome.Fail => "FAIL", Outcome.Inconclusive => "inconclusive", _ => "not judged",
    };

    /// <summary>
    /// Why an inconclusive check could not be decided, and the smallest effect its data could have told apart from
    /// the limit: at this spread only a true value further past the limit than the interval reaches on that side
    /// would have failed, and only one as far inside would have passed.
    /// </summary>
    [JsonIgnore]
    public string InconclusiveText
    {
        get
        {
            var (lower, upper) = Kind == CheckKind.AtMost ? (Tolerance, Tolerance) : (Target - Tolerance, Target + Tolerance);
            var edge = Kind == CheckKind.AtMost || Math.Abs(Measured - upper) < Math.Abs(Measured - lower) ? upper : lower;
            var below = Measured - Low;
            var above = High - Measured;
            // A true value beyond edge + (Measured - Low) would have put the whole interval past the edge, and so on.
            var (detectableFail, detectablePass) = edge == upper ? (edge + below, edge - above) : (edge - above, edge + below);
            return $"[{Number(Low)}, {Number(High)}] straddles the limit {Number(edge)}; at this spread only a true value past " +
                   $"{Number(detectableFail)} would have failed and only one within {Number(detectablePass)} would have passed";
        }
    }

    internal static string Number(double v) =>
        double.IsNaN(v) ? "n/a" : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf") : Math.Round(v, 1).ToString("0.0", CultureInfo.InvariantCulture);
}

/// <summary>The verdict of one scenario: every check, not just the first failure, and why it may be invalid.</summary>
/// <param name="Notes">What a reader needs beside the checks to act on them (e.g. the CPU weights a fair-share row found).</param>
public sealed record Verdict(string Scenario, IReadOnlyList<Check> Checks, IReadOnlyList<string>? InvalidReasons = null, IReadOnlyList<string>? Notes = null)
{
    /// <summary>
    /// Fail when any check fails; invalid when nothing failed but something could not be judged; inconclusive when
    /// every check was judged but one could not be decided either way; else pass.
    /// </summary>
    public Outcome Outcome =>
        Checks.Any(c => c.Failed) ? Outcome.Fail
        : Checks.Count == 0 || Checks.Any(c => c.Outcome == Outcome.Invalid) || InvalidReasons is { Count: > 0 } ? Outcome.Invalid
        : Checks.Any(c => c.Outcome == Outcome.Inconclusive) ? Outcome.Inconclusive
        : Outcome.Pass;

    /// <summary>Checks whose interval still straddles their limit.</summary>
    public IEnumerable<Check> Undecided => Checks.Where(c => c.Outcome == Outcome.Inconclusive);

    public bool Passed => Outcome == Outcome.Pass;

    /// <summary>Why the verdict is not a plain pass or fail: the listed reasons, every unjudged check's own and every undecided check's.</summary>
    public IReadOnlyList<string> Reasons => NotJudged.Concat(NotDecided).ToArray();

    private IEnumerable<string> NotJudged =>
        (InvalidReasons ?? []).Concat(Checks.Where(c => c.Outcome == Outcome.Invalid)
                .Select(c => $"{c.Guest} {c.Metric}: {c.UnjudgedReason ?? "no value or interval to judge"}"))
            .Distinct();

    private IEnumerable<string> NotDecided => Undecided.Select(c => $"{c.Guest} {c.Metric}: inconclusive, {c.InconclusiveText}");

    /// <summary>A fixed-width table for assertion messages and logs.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{Scenario}: {Outcome.ToString().ToUpperInvariant()}");
        sb.AppendLine("guest  metric              target  measured  95% interval        limit  result");
        foreach (var c in Checks)
        {
            var target = c.Kind == CheckKind.AtMost ? "-" : Check.Number(c.Target);
            var interval = c.HasInterval ? $"[{Check.Number(c.Low)}, {Check.Number(c.High)}]" : "";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{c.Guest,-5}  {c.Metric.Label,-18}  {target,6}  {Check.Number(c.Measured),8}  {interval,-17}  {c.LimitText,6}  {c.OutcomeText}");
        }
        foreach (var note in Notes ?? []) sb.AppendLine(note);
        foreach (var reason in NotJudged) sb.AppendLine("invalid: " + reason);
        foreach (var reason in NotDecided) sb.AppendLine(reason);
        return sb.ToString();
    }
}
