using System.Globalization;
using System.Text;

namespace Harness.Analysis;

/// <summary>One judged number: guest, metric, target, measured, tolerance and whether it held.</summary>
public sealed record Check(string Guest, string Metric, double Target, double Measured, double Tolerance)
{
    public double Error => Measured - Target;

    public bool Passed => !double.IsNaN(Measured) && Math.Abs(Error) <= Tolerance;
}

/// <summary>The verdict of one scenario: every check, not just the first failure.</summary>
public sealed record Verdict(string Scenario, IReadOnlyList<Check> Checks)
{
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Passed);

    /// <summary>First version: each guest's achieved CPU % and RAM % against its target, within the tolerances.</summary>
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
        sb.AppendLine(CultureInfo.InvariantCulture, $"{Scenario}: {(Passed ? "PASS" : "FAIL")}");
        sb.AppendLine("guest  metric  target  measured   error  tolerance  result");
        foreach (var c in Checks)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{c.Guest,-5}  {c.Metric,-6}  {c.Target,6:0.0}  {c.Measured,8:0.0}  {Math.Round(c.Error, 1),6:+0.0;-0.0;0.0}  {"±" + c.Tolerance.ToString("0.0", CultureInfo.InvariantCulture),9}  {(c.Passed ? "pass" : "FAIL")}");
        }
        return sb.ToString();
    }
}
