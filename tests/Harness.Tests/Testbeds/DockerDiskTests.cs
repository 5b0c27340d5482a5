using Harness.Testbeds.Docker;
using Xunit;

namespace Harness.Tests.Testbeds;

public sealed class DockerDiskTests
{
    private const string MountInfo = """
        24 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vdb rw
        42 27 254:0 /var/lib/docker /var/lib/docker rw,relatime shared:1 - ext4 /dev/vda rw,discard
        50 42 0:45 / /var/lib/docker/overlay2/abc/merged rw,relatime - overlay overlay rw,lowerdir=x
        60 24 0:50 / /srv/tmp rw - tmpfs tmpfs rw
        """;

    [Theory]
    [InlineData("/var/lib/docker", "/dev/vda", "254:0")]
    [InlineData("/var/lib/dockerish", "/dev/vdb", "254:1")] // a longer name is not below the mount
    [InlineData("/srv/data", "/dev/vdb", "254:1")]
    public void The_device_is_the_source_of_the_deepest_mount_holding_dockers_data(string root, string device, string numbers) =>
        Assert.Equal((device, numbers), DockerDisk.Find(root, MountInfo));

    [Fact]
    public void Data_on_a_filesystem_without_a_device_has_no_throttle_target() =>
        Assert.Null(DockerDisk.Find("/srv/tmp/docker", MountInfo));

    [Fact]
    public void The_limit_reads_as_what_was_asked_for()
    {
        Assert.Equal("none", DockerDisk.Describe(DockerSettings.Default));
        Assert.Equal("write 10485760 B/s, 100 IOPS", DockerDisk.Describe(DockerSettings.Default with { WriteBytesPerSecond = 10485760, WriteIops = 100 }));
    }
}
