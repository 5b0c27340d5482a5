using Harness.Analysis;
using Xunit;
using static Harness.Tests.Analysis.NullSimulation;

namespace Harness.Tests.Analysis;

/// <summary>
/// Seeded simulations of the verdict's own interval functions on synthetic segments without interference. Deterministic: the same seeds give the same figures.
/// </summary>
public sealed class IntervalCoverageTests
{
    [Fact]
    public void Every_interval_covers_at_least_93_percent_and_no_check_fails_more_than_1_percent_without_interference_at_every_n_the_protocol_can_stop_at()
    {
        // The light guest: the widest and most skewed segments of the measured null suite.
        var cells = Enum.GetValues<Noise>().SelectMany(noise => Sizes.SelectMany(n => Coverage(Light, noise, n, 1000, 1000 * n + (int)noise))).ToArray();
        var bad = cells.Where(c => c.Coverage95 < 0.93 || c.Fails > 0.01).ToArray();
        Assert.True(bad.Length == 0, Table(bad) + "\nall:\n" + Table(cells));
    }
}
