using System.Globalization;
using System.Text;

namespace Harness.Analysis;

public enum Outcome
{
    Pass,
    Fail,

    /// <summary>Neither pass nor fail: the loads missed their targets or the solo references were too noisy to judge.</summary>
    Invalid,
}

public enum CheckKind
{
    /// <summary>Measured must lie within Target ± Tolerance.</summary>
    Band,

    /// <summary>Measured must not exceed Tolerance (a budget such as wait or throughput loss).</summary>
    AtMost,
}

/// <summary>
/// One judged number: guest, metric, target, measured with its 95% interval, limit and result. With an interval,
/// a breach is decided only when the whole interval lies past the limit; without one, the point decides.
/// </summary>
public sealed record Check(
    string Guest, string Metric, double Target, double Measured, double Tolerance,
    double Low = double.NaN, double High = double.NaN, CheckKind Kind = CheckKind.Band)
{
    public double Error => Measured - Target;

    public bool HasInterval => !double.IsNaN(Low) && !double.IsNaN(High);

    public bool Passed => !double.IsNaN(Measured) && Kind switch
    {
        CheckKind.AtMost => HasInterval ? Low <= Tolerance : Measured <= Tolerance,
        _ => HasInterval
            ? !(High < Target - Tolerance || Low > Target + Tolerance)
            : Math.Abs(Error) <= Tolerance,
    };
}

/// <summary>The verdict of one scenario: every check, not just the first failure, and why it may be invalid.</summary>
public sealed record Verdict(string Scenario, IReadOnlyList<Check> Checks, IReadOnlyList<string>? InvalidReasons = null)
{
    public Outcome Outcome =>
        Checks.Count == 0 || Checks.Any(c => !c.Passed) ? Outcome.Fail
        : InvalidReasons is { Count: > 0 } ? Outcome.Invalid
        : Outcome.Pass;

    public bool Passed => Outcome == Outcome.Pass;

    /// <summary>Each guest's achieved CPU % and RAM % against its target, within the tolerances.</summary>
    public static Verdict LoadFidelity(string scenario, IReadOnlyList<GuestMeasurement> guests, double cpuTolerance, double ramTolerance) =>
        new(scenario, guests.SelectMany(g => new[]
        {
            new Check(g.Guest, "CPU %", g.TargetCpuPercent, g.CpuPercent, cpuTolerance),
            new Check(g.Guest, "RAM %", g.TargetRamPercent, g.RamPercent, ramTolerance),
        }).ToArray());

    /// <summary>A fixed-width table for assertion messages and logs.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{Scenario}: {Outcome.ToString().ToUpperInvariant()}");
        sb.AppendLine("guest  metric              target  measured  95% interval        limit  result");
        foreach (var c in Checks)
        {
            var target = c.Kind == CheckKind.AtMost ? "-" : F(c.Target);
            var limit = c.Kind == CheckKind.AtMost ? "≤ " + F(c.Tolerance) : "±" + F(c.Tolerance);
            var interval = c.HasInterval ? $"[{F(c.Low)}, {F(c.High)}]" : "";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{c.Guest,-5}  {c.Metric,-18}  {target,6}  {F(c.Measured),8}  {interval,-17}  {limit,6}  {(c.Passed ? "pass" : "FAIL")}");
        }
        foreach (var reason in InvalidReasons ?? []) sb.AppendLine("invalid: " + reason);
        return sb.ToString();
    }

    private static string F(double v) =>
        double.IsNaN(v) ? "n/a" : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf") : Math.Round(v, 1).ToString("0.0", CultureInfo.InvariantCulture);
}
