using Harness.Remote;
using Xunit;

namespace Harness.Tests.Proxmox;

public sealed class HostKeyTrustTests
{
    [Fact]
    public void The_first_host_key_seen_is_pinned_for_later_connections()
    {
        var trust = new HostKeyTrust();
        Assert.Null(trust.Fingerprint);
        Assert.Equal("first", trust.PinOrGet("first"));
        Assert.Equal("first", trust.PinOrGet("second")); // a different key later is a mismatch, not a new pin
        Assert.Equal("host key SHA256:first", trust.ToString());
    }
}
