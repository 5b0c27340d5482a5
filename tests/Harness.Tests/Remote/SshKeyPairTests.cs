using System.Diagnostics;
using Harness.Remote;
using Xunit;

namespace Harness.Tests.Remote;

public sealed class SshKeyPairTests
{
    [Fact]
    public void Public_key_is_an_openssh_line_whose_fingerprint_ssh_keygen_agrees_with()
    {
        using var key = SshKeyPair.Create("harness-test");
        Assert.StartsWith("ecdsa-sha2-nistp256 AAAA", key.PublicKey);
        Assert.EndsWith(" harness-test", key.PublicKey);

        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, key.PublicKey + "\n");
            var psi = new ProcessStartInfo("ssh-keygen", ["-l", "-E", "sha256", "-f", file]) { RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Contains(key.Fingerprint, output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Nothing_secret_is_in_its_text()
    {
        using var key = SshKeyPair.Create("c");
        Assert.DoesNotContain("PRIVATE", key.ToString());
        Assert.StartsWith("ssh key SHA256:", key.ToString());
    }

    [Theory]
    [InlineData("SHA256:abc+/def=", "abc+/def")]
    [InlineData("abc+/def", "abc+/def")]
    public void Fingerprints_compare_without_prefix_or_padding(string input, string expected) =>
        Assert.Equal(expected, SshShell.NormaliseFingerprint(input));
}
