using Harness.Analysis;
using Harness.Reporting;
using Harness.Tests.Reporting;

namespace Harness.Tests.History;

/// <summary>
/// Runs made from the recorded run: every check's value is seeded noise around the recorded one, one series can
/// step up from a given run, and the testbed facts can change at a given run (an upgrade).
/// </summary>
internal static class SyntheticHistory
{
    public static readonly DateTimeOffset Start = new(2026, 9, 1, 3, 37, 0, TimeSpan.Zero);

    public static string RunId(int i) => $"2026{Start.AddDays(i):MMdd}-033700-r{i:00}";

    /// <param name="step">The series that steps, from which run, and by how much.</param>
    /// <param name="upgradeAt">From this run on: pve-manager 8.4.1 → 9.0.3 and a newer kernel.</param>
    public static List<RunRecord> Make(int count, (string Scenario, string Guest, Metric Metric, int FromRun, double By)? step = null, int? upgradeAt = null)
    {
        var template = RecordedRun.Load();
        var random = new Random(42);
        var runs = new List<RunRecord>();
        for (var i = 0; i < count; i++)
        {
            var upgraded = upgradeAt is { } u && i >= u;
            var testbed = new Dictionary<string, string>(template.Testbed)
            {
                ["pve.version"] = upgraded ? "9.0.3" : "8.4.1",
                ["host.kernel"] = upgraded ? "6.14.8-2-pve" : "6.8.12-9-pve",
                ["guest.S1.cpu.weight"] = "1024",
                // What a Proxmox run records that differs in every run: not a configuration change.
                ["guest.S1.address"] = $"10.0.0.{i + 10}",
                ["guest.S1.config.net0"] = $"virtio=BC:24:11:00:00:{i:X2},bridge=vmbr0",
            };
            runs.Add(new RunRecord
            {
                RunId = RunId(i),
                StartedAt = Start.AddDays(i),
                Testbed = testbed,
                Settings = template.Settings,
                Scenarios = template.Scenarios.Select(s => s with
                {
                    Checks = s.Checks.Select(c => c with
                    {
                        Measured = c.Measured + Gaussian(random)
                                   + (step is { } st && st.Scenario == s.Name && st.Guest == c.Guest && st.Metric == c.Metric && i >= st.FromRun ? st.By : 0),
                    }).ToArray(),
                }).ToList(),
            });
        }
        return runs;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
