using Harness.Load;
using Xunit;

namespace Harness.Tests.Load;

public sealed class CpuSettingTests
{
    [Theory]
    [InlineData(90, 0.4, 36)]
    [InlineData(10, 0.4, 4)]
    [InlineData(90, 1.0, 90)]
    [InlineData(50, 2.0, 50)]
    [InlineData(90, 1.5, 68)]
    public void Open_loop_scales_the_target_by_the_quota(double target, double cpus, int expected) =>
        Assert.Equal(expected, CpuSetting.OpenLoop(target, cpus));

    [Fact]
    public void Correction_moves_toward_the_target_and_never_stalls()
    {
        Assert.True(CpuSetting.Correct(36, 93.6, 90) < 36);
        Assert.True(CpuSetting.Correct(36, 82, 90) > 36);
        Assert.Equal(37, CpuSetting.Correct(36, 89.5, 90));
        Assert.Equal(35, CpuSetting.Correct(36, 90.4, 90));
    }

    [Fact]
    public void Correction_is_bounded()
    {
        Assert.Equal(2, CpuSetting.Correct(1, 0, 90));
        Assert.Equal(100, CpuSetting.Correct(100, 80, 90));
        Assert.Equal(1, CpuSetting.Correct(1, 50, 10));
        Assert.Equal(18, CpuSetting.Correct(36, 200, 10));
    }
}
