namespace Harness.Testbeds.Docker;

/// <summary>cpu.shares of the testbed's containers (relative weight × 1024, Docker's default), changed live.</summary>
internal sealed class DockerCpuWeights(DockerEngine engine) : ICpuWeights
{
    public string Control => "cpu.shares";

    public long Default => 1024;

    public Task<long> ReadAsync(IGuest guest, CancellationToken cancellationToken) =>
        engine.CpuSharesAsync(Container(guest), cancellationToken);

    public Task SetRawAsync(IGuest guest, long value, CancellationToken cancellationToken) =>
        engine.SetCpuSharesAsync(Container(guest), value, cancellationToken);

    private static string Container(IGuest guest) =>
        (guest as DockerGuest ?? throw new ArgumentException($"{guest.Name} is not a Docker guest", nameof(guest))).ContainerId;
}
