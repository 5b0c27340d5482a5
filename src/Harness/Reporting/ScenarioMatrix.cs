using System.Globalization;
using System.Text;
using Harness.Scenarios;

namespace Harness.Reporting;

/// <summary>A scenario set as the paper prints Table 1: one row per scenario, CPU %/RAM % per guest.</summary>
public static class ScenarioMatrix
{
    public static string Render(IReadOnlyList<Scenario> scenarios)
    {
        var guests = scenarios.SelectMany(s => s.Loads.Select(l => l.Guest)).Distinct(StringComparer.Ordinal).ToArray();
        var nameWidth = Math.Max("scenario".Length, scenarios.Count == 0 ? 0 : scenarios.Max(s => s.Name.Length));
        var sb = new StringBuilder();
        sb.Append("scenario".PadRight(nameWidth));
        foreach (var g in guests) sb.Append(CultureInfo.InvariantCulture, $"  {g + " cpu/ram",-13}");
        sb.AppendLine();
        foreach (var s in scenarios)
        {
            sb.Append(s.Name.PadRight(nameWidth));
            foreach (var g in guests)
            {
                var load = s.Loads.FirstOrDefault(l => l.Guest == g);
                var cell = load is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{load.CpuPercent,3:0.##}/{load.RamPercent,-3:0.##}");
                sb.Append(CultureInfo.InvariantCulture, $"  {cell,-13}");
            }
            sb.AppendLine();
        }
        // Trailing padding is noise in diffs and snapshots.
        return string.Join('\n', sb.ToString().Split('\n').Select(l => l.TrimEnd())).TrimEnd() + "\n";
    }
}
