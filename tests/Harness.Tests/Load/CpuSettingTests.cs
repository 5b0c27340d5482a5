using Harness.Load;
using Xunit;

namespace Harness.Tests.Load;

public sealed class CpuSettingTests
{
    [Theory]
    [InlineData(90, 0.4, 0.1, 36)]
    [InlineData(10, 0.4, 0.1, 4)]
    [InlineData(11, 0.4, 0.1, 4.4)]
    [InlineData(11, 0.4, 1, 4)]
    [InlineData(90, 1.0, 0.1, 90)]
    [InlineData(50, 2.0, 0.1, 50)]
    [InlineData(90, 1.5, 0.1, 67.5)]
    public void Open_loop_scales_the_target_by_the_quota_in_the_generators_own_steps(double target, double cpus, double step, double expected) =>
        Assert.Equal(expected, CpuSetting.OpenLoop(target, cpus, step), 6);

    [Fact]
    public void Correction_moves_toward_the_target_in_fine_steps_and_never_stalls()
    {
        Assert.True(CpuSetting.Correct(36, 93.6, 90, 0.1) < 36);
        Assert.True(CpuSetting.Correct(36, 82, 90, 0.1) > 36);
        Assert.Equal(36.2, CpuSetting.Correct(36, 89.5, 90, 0.1), 6);
        Assert.Equal(3.3, CpuSetting.Correct(4, 12, 10, 0.1), 6);
        Assert.Equal(35.9, CpuSetting.Correct(36, 90.04, 90, 0.1), 6);
        Assert.Equal(37, CpuSetting.Correct(36, 89.5, 90, 1), 6);
    }

    [Fact]
    public void Correction_is_bounded()
    {
        Assert.Equal(0.2, CpuSetting.Correct(0.1, 0, 90, 0.1), 6);
        Assert.Equal(100, CpuSetting.Correct(100, 80, 90, 0.1), 6);
        Assert.Equal(0.1, CpuSetting.Correct(0.1, 50, 10, 0.1), 6);
        Assert.Equal(18, CpuSetting.Correct(36, 200, 10, 0.1), 6);
    }
}
