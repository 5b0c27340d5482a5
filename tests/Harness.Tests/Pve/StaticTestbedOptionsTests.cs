using Harness.Configuration;
using Harness.Testbeds.Static;
using Xunit;

namespace Harness.Tests.Pve;

/// <summary>The static backend's settings file (no SSH here: that path is the existing, Docker-tested SshShell).</summary>
public sealed class StaticTestbedOptionsTests
{
    private const string Pem = "-----BEGIN EC PRIVATE KEY-----\nnot-a-real-key\n-----END EC PRIVATE KEY-----\n";

    private static StaticTestbedOptions Load(string json, string? pem = Pem)
    {
        var file = Path.Combine(Path.GetTempPath(), $"harness-static-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, json);
        try
        {
            var env = new Dictionary<string, string> { [StaticTestbedOptions.FileVariable] = file };
            if (pem is not null) env[StaticTestbedOptions.KeyVariable] = pem;
            return StaticTestbedOptions.Load(env);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_valid_file_lists_the_guests()
    {
        var o = Load("""
            { "guests": [ // ESXi
              { "name": "esx-a", "host": "127.0.0.1", "port": 2222, "user": "debian", "cpus": 1, "memoryMiB": 1024,
                "hostKey": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } ] }
            """);
        var g = Assert.Single(o.Guests);
        Assert.Equal(2222, g.Port);
        Assert.Equal("debian", g.User);
        Assert.DoesNotContain("not-a-real-key", o.ToString());
    }

    [Fact]
    public void Missing_fields_and_an_unpinned_host_key_are_named()
    {
        var e = Assert.Throws<HarnessConfigurationException>(() => Load("""{ "guests": [ { "host": "127.0.0.1" } ] }""", pem: null));
        Assert.Contains(e.Problems, p => p.Contains("guests[0]: cpus missing"));
        Assert.Contains(e.Problems, p => p.Contains("guests[0]: memoryMiB missing"));
        Assert.Contains(e.Problems, p => p.Contains("guests[0]: hostKey must be the pinned SHA256 fingerprint"));
        Assert.Contains(e.Problems, p => p.StartsWith("HARNESS_STATIC_SSH_KEY: missing", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_fields_are_refused() =>
        Assert.Contains("is not valid", Assert.Throws<HarnessConfigurationException>(() => Load("""{ "guests": [ { "hots": "x" } ] }""")).Message);
}
