using DotNet.Testcontainers.Containers;
using Harness.Remote;
using Harness.Sampling;

namespace Harness.Testbeds.Docker;

/// <summary>A container with a CPU quota and a memory limit, driven over SSH on a 127.0.0.1 port.</summary>
internal sealed class DockerGuest(string name, IContainer container, DockerEngine engine, GuestAllocation allocation, IRemoteShell shell, string? networkAddress)
    : IGuest
{
    public string Name { get; } = name;

    public string Identity => $"container {container.Name.TrimStart('/')} ({container.Id[..12]})";

    public GuestAllocation Allocation { get; } = allocation;

    public SamplerSource SamplerSource => SamplerSource.Cgroup;

    public IRemoteShell Shell { get; } = shell;

    public string? NetworkAddress { get; } = networkAddress;

    internal string ContainerId => container.Id;

    public Task<string?> CheckAliveAsync(CancellationToken cancellationToken) =>
        engine.NotRunningReasonAsync(container.Id, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Shell.DisposeAsync().ConfigureAwait(false);
        try
        {
            await engine.RemoveAsync(container.Id, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await container.DisposeAsync().ConfigureAwait(false);
        }
    }
}
