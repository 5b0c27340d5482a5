using Harness.Reporting;
using Harness.Remote;
using Harness.Running;
using Harness.Testbeds.Docker;
using Harness.Tests.Testbeds;
using Xunit;

namespace Harness.Tests.Reporting;

/// <summary>Against the real Docker engine: the testbed facts carry the controls Docker applied to the guest.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerProvenanceTests
{
    [Fact]
    public async Task A_docker_guest_records_its_effective_controls_and_the_hosts_versions()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = DockerCli.OneGuest();
        using var key = SshKeyPair.Create("test");
        await using var testbed = await DockerTestbed.CreateAsync(options, IsolationSession.NewRunId(), key, _ => { }, ct);

        var provenance = RunProvenance.Of(testbed.Facts);

        Assert.Equal(["S1"], provenance.Guests);
        Assert.Equal("0.4", provenance.Value(ProvenanceControl.CpuQuota, "S1"));
        Assert.Equal((256L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), provenance.Value(ProvenanceControl.MemoryLimit, "S1"));
        Assert.Equal("1024", provenance.Value(ProvenanceControl.CpuWeight, "S1"));
        Assert.Equal("all", provenance.Value(ProvenanceControl.CpuSet, "S1"));
        Assert.NotNull(provenance.Value(ProvenanceControl.Kernel));
        Assert.NotNull(provenance.Value(ProvenanceControl.Docker));
    }
}
