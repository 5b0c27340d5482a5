namespace Harness.Scenarios;

/// <summary>Table 1 of the paper: 16 scenarios, servers S1..S4, (CPU %, RAM %) each. Scenario 16 is the only one off the three levels.</summary>
public static class PaperScenarios
{
    // Three load levels recur through the table.
    private static readonly (double Cpu, double Ram) Low = (10, 30), Mid = (50, 55), High = (90, 80);

    private static readonly (double Cpu, double Ram)[][] Table =
    [
        [Low, Low, Low, Low],
        [High, Low, Low, Low],
        [High, High, Low, Low],
        [High, High, High, Low],
        [High, High, High, High],
        [Mid, Mid, Mid, Mid],
        [High, Mid, Mid, Mid],
        [High, High, Mid, Mid],
        [High, High, High, Mid],
        [Mid, Low, Low, Low],
        [Mid, Mid, Low, Low],
        [Mid, Mid, Mid, Low],
        [High, Mid, Low, Low],
        [High, High, Mid, Low],
        [High, Mid, Mid, Low],
        [(60, 50), (40, 40), (80, 70), (20, 30)],
    ];

    public static IReadOnlyList<Scenario> All { get; } = Table
        .Select((row, i) => new Scenario(
            $"Scenario {i + 1:00}",
            row.Select((load, g) => new GuestLoad($"S{g + 1}", load.Cpu, load.Ram)).ToArray()))
        .ToArray();
}
