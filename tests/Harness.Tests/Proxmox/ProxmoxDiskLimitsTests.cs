using Harness.Testbeds.Proxmox;
using Xunit;

namespace Harness.Tests.Proxmox;

public sealed class ProxmoxDiskLimitsTests
{
    [Fact]
    public void Each_disks_mbps_and_iops_options_and_each_nics_rate_become_the_guests_limit_facts()
    {
        var facts = ProxmoxDiskLimits.Facts("S1", new Dictionary<string, string>
        {
            ["scsi0"] = "local-lvm:vm-101-disk-0,iothread=1,mbps_wr=10,iops_wr=200,size=8G",
            ["scsi1"] = "local-lvm:vm-101-disk-1,size=1G",
            ["net0"] = "virtio=BC:24:11:00:00:01,bridge=vmbr0,rate=12.5",
            ["cpuunits"] = "100",
        });
        Assert.Equal("scsi0 mbps_wr=10 iops_wr=200", facts["guest.S1.disk.limit"]);
        Assert.Equal("net0 rate=12.5 (MB/s)", facts["guest.S1.net.rate"]);
    }

    [Fact]
    public void A_guest_without_limits_records_none_rather_than_nothing()
    {
        var facts = ProxmoxDiskLimits.Facts("S2", new Dictionary<string, string> { ["rootfs"] = "local-lvm:subvol-102-disk-0,size=8G", ["net0"] = "name=eth0,bridge=vmbr0" });
        Assert.Equal(("none", "none"), (facts["guest.S2.disk.limit"], facts["guest.S2.net.rate"]));
    }
}
