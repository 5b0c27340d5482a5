using System.Globalization;

namespace Harness.Scenarios;

/// <summary>One guest's load: CPU % of its CPU allocation and RAM % of its memory.</summary>
public sealed record GuestLoad(string Guest, double CpuPercent, double RamPercent)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Guest} {CpuPercent:0.##}/{RamPercent:0.##}");
}

/// <summary>A named set of per-guest loads applied at the same time.</summary>
public sealed record Scenario(string Name, IReadOnlyList<GuestLoad> Loads)
{
    /// <summary>The theory row's name, e.g. <c>Scenario 05 (S1 90/80, S2 90/80, S3 90/80, S4 90/80)</c>.</summary>
    public string DisplayName => $"{Name} ({string.Join(", ", Loads)})";

    public override string ToString() => DisplayName;
}
