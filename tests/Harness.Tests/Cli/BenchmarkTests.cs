using Harness.Cli;
using Xunit;

namespace Harness.Tests.Cli;

public sealed class BenchmarkTests
{
    /// <summary>Exact binomial intervals: 0 of 10 is [0, 30.8]% (1 − 0.025^(1/10)), 5 of 10 is [18.7, 81.3]%.</summary>
    [Theory]
    [InlineData(0, 10, "0/10 = 0.0% [0.0, 30.8]")]
    [InlineData(5, 10, "5/10 = 50.0% [18.7, 81.3]")]
    [InlineData(10, 10, "10/10 = 100.0% [69.2, 100.0]")]
    [InlineData(0, 0, "n/a")]
    public void A_rate_carries_its_exact_95_percent_interval(int count, int total, string expected) =>
        Assert.Equal(expected, Benchmark.Rate(count, total));
}
