using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Harness.Remote;

/// <summary>
/// A per-run client key pair (ECDSA P-256), made in memory so no private key file is ever written.
/// <see cref="ToString"/> deliberately shows only the public fingerprint.
/// </summary>
public sealed class SshKeyPair : IDisposable
{
    private readonly ECDsa _key;

    private SshKeyPair(ECDsa key, string comment)
    {
        _key = key;
        var p = key.ExportParameters(includePrivateParameters: false);
        var point = new byte[1 + p.Q.X!.Length + p.Q.Y!.Length];
        point[0] = 0x04;
        p.Q.X.CopyTo(point, 1);
        p.Q.Y.CopyTo(point, 1 + p.Q.X.Length);
        var blob = Concat(SshString("ecdsa-sha2-nistp256"), SshString("nistp256"), SshString(point));
        PublicKey = $"ecdsa-sha2-nistp256 {Convert.ToBase64String(blob)} {comment}";
        Fingerprint = "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');
    }

    public static SshKeyPair Create(string comment) => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), comment);

    /// <summary>OpenSSH authorized_keys line.</summary>
    public string PublicKey { get; }

    public string Fingerprint { get; }

    /// <summary>PEM of the private key, for the SSH client only; never log it.</summary>
    internal string PrivateKeyPem() => _key.ExportECPrivateKeyPem();

    public override string ToString() => $"ssh key {Fingerprint}";

    public void Dispose() => _key.Dispose();

    private static byte[] SshString(string s) => SshString(Encoding.ASCII.GetBytes(s));

    private static byte[] SshString(byte[] data)
    {
        var result = new byte[4 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(result, data.Length);
        data.CopyTo(result, 4);
        return result;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
