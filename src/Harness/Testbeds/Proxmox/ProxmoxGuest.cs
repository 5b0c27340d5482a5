using Harness.Configuration;
using Harness.Pve;
using Harness.Remote;
using Harness.Sampling;

namespace Harness.Testbeds.Proxmox;

/// <summary>A PVE VM or container of this run, driven over SSH at the address its agent (or LXC) reported.</summary>
public sealed class ProxmoxGuest : IGuest
{
    private readonly IPveClient _client;
    private readonly TimeSpan _taskTimeout;
    private readonly TimeSpan _poll;
    private readonly Func<PveGuestRef, Task>? _onDestroyed;
    private int _disposed;

    internal ProxmoxGuest(
        string name, PveGuestRef reference, GuestAllocation allocation, IRemoteShell shell, string address, string? hostKey,
        IPveClient client, TimeSpan taskTimeout, TimeSpan poll, Func<PveGuestRef, Task>? onDestroyed)
    {
        Name = name;
        Ref = reference;
        Allocation = allocation;
        Shell = shell;
        Address = address;
        HostKeySha256 = hostKey;
        _client = client;
        _taskTimeout = taskTimeout;
        _poll = poll;
        _onDestroyed = onDestroyed;
    }

    public string Name { get; }

    public PveGuestRef Ref { get; }

    public string Identity => Ref.ToString();

    public GuestAllocation Allocation { get; }

    /// <summary>A VM's /proc is its own; a container's is the host's, so containers are read from their cgroup.</summary>
    public SamplerSource SamplerSource => Ref.Kind == PveGuestKind.Vm ? SamplerSource.Procfs : SamplerSource.Cgroup;

    public IRemoteShell Shell { get; }

    /// <summary>IPv4 address SSH reaches the guest at.</summary>
    public string Address { get; }

    /// <summary>SSH host key pinned on first connection (null for shells that are not SSH).</summary>
    public string? HostKeySha256 { get; }

    public async Task<string?> CheckAliveAsync(CancellationToken cancellationToken)
    {
        try
        {
            var status = await _client.GetStatusAsync(Ref, cancellationToken).ConfigureAwait(false);
            return status.IsRunning ? null : $"{Ref} is {status.Status}";
        }
        catch (PveApiException e) when (e.IsDoesNotExist)
        {
            return $"{Ref} no longer exists";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await Shell.DisposeAsync().ConfigureAwait(false);
        await GuestTeardown.DestroyAsync(_client, Ref, _taskTimeout, _poll, CancellationToken.None).ConfigureAwait(false);
        if (_onDestroyed is not null) await _onDestroyed(Ref).ConfigureAwait(false);
    }

    public override string ToString() => $"{Name} ({Identity}, {Address})";
}
