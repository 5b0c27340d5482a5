using Harness.History;
using Xunit;

namespace Harness.Tests.History;

public sealed class ChangePointDetectorTests
{
    /// <summary>Gaussian noise from a fixed seed (Box-Muller), so every run of the tests sees the same values.</summary>
    internal static double[] Noise(int seed, int count, double mean, double sd)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => mean + sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))
            .ToArray();
    }

    [Fact]
    public void Sixty_runs_of_pure_noise_have_no_change_point()
    {
        Assert.Empty(ChangePointDetector.Detect(Noise(seed: 15, count: 60, mean: 20, sd: 3)));
    }

    [Fact]
    public void Noise_alone_almost_never_makes_a_change_point()
    {
        // 500 histories of 60 runs: a nightly gate over 80 series must not cry wolf.
        var alarms = Enumerable.Range(1, 500).Count(seed => ChangePointDetector.Detect(Noise(seed, 60, 20, 3)).Count > 0);
        Assert.InRange(alarms, 0, 1);
    }

    [Fact]
    public void A_step_is_found_at_the_first_run_of_the_new_level()
    {
        var values = Noise(7, 30, 10, 2).Concat(Noise(8, 30, 18, 2)).ToArray();
        var change = Assert.Single(ChangePointDetector.Detect(values));
        Assert.Equal(30, change.Index);
        Assert.InRange(change.Shift, 6, 10);
        Assert.True(change.PValue < 0.001);
    }

    [Fact]
    public void Two_steps_are_both_found()
    {
        var values = Noise(1, 20, 10, 1).Concat(Noise(2, 20, 20, 1)).Concat(Noise(3, 20, 12, 1)).ToArray();
        Assert.Equal([20, 40], ChangePointDetector.Detect(values).Select(c => c.Index));
    }

    [Fact]
    public void A_step_smaller_than_the_minimum_shift_or_one_odd_run_is_not_reported()
    {
        var small = Enumerable.Repeat(10.0, 20).Concat(Enumerable.Repeat(10.5, 20)).ToArray();
        Assert.Empty(ChangePointDetector.Detect(small));
        Assert.Single(ChangePointDetector.Detect(small, new ChangePointOptions(MinimumShift: 0.1)));
        var outlier = Noise(4, 40, 10, 2);
        outlier[20] = 20; // one odd run, five standard deviations out
        Assert.Empty(ChangePointDetector.Detect(outlier));
        Assert.Empty(ChangePointDetector.Detect(Enumerable.Repeat(5.0, 40).ToArray()));
        Assert.Empty(ChangePointDetector.Detect([1.0, 2.0]));
    }

    [Fact]
    public void Student_p_value_matches_a_textbook_case()
    {
        // t = -2 on 8 degrees of freedom: two-sided p = 0.0805 (R: t.test(1:5, 3:7, var.equal = TRUE)).
        Assert.Equal(0.0805, ChangePointDetector.StudentPValue([1, 2, 3, 4, 5], [3, 4, 5, 6, 7]), 4);
    }
}
