using Harness.Testbeds.Docker;
using Xunit;

namespace Harness.Tests.Testbeds;

/// <summary>The reaper's decision, without Docker: whose containers may go, and when.</summary>
public sealed class ContainerOwnerTests
{
    private static readonly ContainerOwner Self = new("host-a", "pid:[4026531836]", "boot-1", 4242, "1000");
    private static readonly DateTime Now = new(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Age = TimeSpan.FromHours(24);

    private static Dictionary<string, string> Labels(ContainerOwner owner) => new(owner.Labels());

    private static bool MayReap(ContainerOwner owner, TimeSpan old, string? runningStartTime = "1000") =>
        Self.MayReap(Labels(owner), Now - old, Now, Age, _ => runningStartTime);

    [Fact]
    public void A_live_owner_here_keeps_its_containers_however_old() =>
        Assert.False(MayReap(Self, TimeSpan.FromDays(30)));

    [Fact]
    public void A_dead_owner_here_loses_them_at_once() =>
        Assert.True(MayReap(Self, TimeSpan.FromMinutes(1), runningStartTime: null));

    [Fact]
    public void A_reused_pid_is_not_mistaken_for_the_owner() =>
        Assert.True(MayReap(Self, TimeSpan.FromMinutes(1), runningStartTime: "2000"));

    [Theory]
    [InlineData("host-b", "pid:[4026531836]", "boot-1")] // another machine
    [InlineData("host-a", "pid:[4026532999]", "boot-1")] // a run inside a container sharing this engine
    [InlineData("host-a", "pid:[4026531836]", "boot-2")] // same name, another boot or another machine
    public void Someone_elses_containers_go_only_once_older_than_the_reap_age(string host, string pidNamespace, string boot)
    {
        var other = new ContainerOwner(host, pidNamespace, boot, 4242, "1000");
        Assert.False(MayReap(other, TimeSpan.FromHours(23), runningStartTime: null));
        Assert.True(MayReap(other, TimeSpan.FromHours(25), runningStartTime: "1000"));
    }

    [Fact]
    public void An_older_harness_label_with_a_live_pid_here_is_kept_and_with_a_dead_one_ages_out()
    {
        var legacy = new Dictionary<string, string> { ["io.harness.host"] = "host-a", ["io.harness.pid"] = "4242" };
        Assert.False(Self.MayReap(legacy, Now - TimeSpan.FromDays(30), Now, Age, _ => "999"));
        Assert.False(Self.MayReap(legacy, Now - TimeSpan.FromHours(1), Now, Age, _ => null));
        Assert.True(Self.MayReap(legacy, Now - TimeSpan.FromHours(25), Now, Age, _ => null));
    }

    [Fact]
    public void This_process_can_be_told_apart()
    {
        var me = ContainerOwner.Current;
        Assert.NotEqual("", me.PidNamespace);
        Assert.NotEqual("", me.BootId);
        Assert.Equal(me.StartTime, ContainerOwner.StartTimeOf(Environment.ProcessId));
    }
}
