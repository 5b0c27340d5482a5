using Harness.Remote;
using Harness.Sampling;

namespace Harness.Testbeds;

/// <summary>What a guest was given: CPUs (quota or vCPUs) and memory.</summary>
public sealed record GuestAllocation(double Cpus, long MemoryBytes);

/// <summary>A machine under test, reachable through a shell, whatever the backend.</summary>
public interface IGuest : IAsyncDisposable
{
    /// <summary>Position-based name, S1..Sn, matching the scenario table.</summary>
    string Name { get; }

    /// <summary>Backend identity (container id, VMID), for messages and results.</summary>
    string Identity { get; }

    GuestAllocation Allocation { get; }

    SamplerSource SamplerSource { get; }

    IRemoteShell Shell { get; }

    /// <summary>
    /// The guest's address on the network the testbed put it on, as the testbed itself assigned it (never asked of
    /// the guest), or null when this backend does not know one; the net channel sends and probes only to these.
    /// </summary>
    string? NetworkAddress => null;

    /// <summary>Why the guest is not usable any more (its process died, it was removed), or null while it is.</summary>
    Task<string?> CheckAliveAsync(CancellationToken cancellationToken);
}

/// <summary>A set of guests provisioned for one run. Disposing it destroys everything it created.</summary>
public interface ITestbed : IAsyncDisposable
{
    string RunId { get; }

    IReadOnlyList<IGuest> Guests { get; }

    /// <summary>Facts recorded in the results: backend, host, versions, allocations.</summary>
    IReadOnlyDictionary<string, string> Facts { get; }

    /// <summary>The guests' CPU weight control, or null when this backend cannot set one (fair-share rows then cannot run).</summary>
    ICpuWeights? CpuWeights => null;

    /// <summary>The host's view of the guests; the testbed disposes it with itself.</summary>
    IHostView HostView => new NoHostView($"no host view ({Facts.GetValueOrDefault("backend", "this")} backend)");
}

/// <summary>Progress of long steps, for the console and CI logs.</summary>
public delegate void ProgressSink(string message);
