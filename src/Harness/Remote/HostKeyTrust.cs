namespace Harness.Remote;

/// <summary>The host key a trust-on-first-use connection pinned; one instance per guest and run.</summary>
public sealed class HostKeyTrust
{
    private readonly Lock _gate = new();

    /// <summary>OpenSSH SHA256 fingerprint (no prefix, no padding) seen first, or null before any connection.</summary>
    public string? Fingerprint { get; private set; }

    internal string PinOrGet(string received)
    {
        lock (_gate)
        {
            Fingerprint ??= received;
            return Fingerprint;
        }
    }

    public override string ToString() => Fingerprint is null ? "host key not seen yet" : $"host key SHA256:{Fingerprint}";
}
