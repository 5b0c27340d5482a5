namespace Harness.Testbeds;

/// <summary>
/// A backend's CPU weight control (Docker: cpu.shares; Proxmox: cpuunits): what a fair-share row sets before it
/// runs and reads back into its results, since a guest created with a wrong weight is exactly what it must expose.
/// </summary>
public interface ICpuWeights
{
    /// <summary>The backend's name for the control, as its users know it (e.g. "cpu.shares").</summary>
    string Control { get; }

    /// <summary>What the backend gives a guest nobody set a weight for, in its own unit.</summary>
    long Default { get; }

    /// <summary>Sets a relative weight (2 = twice the CPU of a guest of weight 1 under contention): that many defaults.</summary>
    Task SetAsync(IGuest guest, int weight, CancellationToken cancellationToken) => SetRawAsync(guest, weight * Default, cancellationToken);

    /// <summary>The guest's effective weight in the backend's own unit.</summary>
    Task<long> ReadAsync(IGuest guest, CancellationToken cancellationToken);

    /// <summary>Sets the backend's own value, unscaled: to restore a guest, or to plant a wrong weight in a negative control.</summary>
    Task SetRawAsync(IGuest guest, long value, CancellationToken cancellationToken);
}
