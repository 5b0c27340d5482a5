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

    [Fact]
    public async Task A_guest_listed_with_another_size_than_its_rows_give_it_stops_the_run_before_any_connection()
    {
        var spec = new StaticGuestSpec { Name = "esx-a", Host = "192.0.2.1", Cpus = 1, MemoryMiB = 1024, HostKey = "SHA256:" + new string('A', 43) };
        var options = new StaticTestbedOptions([spec, spec with { Name = "esx-b" }, spec with { Name = "esx-c" }], "(pem)", "static.json");
        var progress = new List<string>();

        var e = await Assert.ThrowsAsync<HarnessConfigurationException>(() => StaticTestbed.CreateAsync(
            options, 3, "run", m => progress.Add(m), TestContext.Current.CancellationToken, sizes: [new(1, 1024), new(2), new(null, 512)]));

        Assert.Equal(
        [
            "HARNESS_STATIC_FILE: the scenarios give S2 2 CPU; static.json lists it (esx-b) with 1 CPU, 1024 MiB. The static backend cannot resize an existing guest: list one of that size in place S2, or leave its size out of the rows.",
            "HARNESS_STATIC_FILE: the scenarios give S3 512 MiB; static.json lists it (esx-c) with 1 CPU, 1024 MiB. The static backend cannot resize an existing guest: list one of that size in place S3, or leave its size out of the rows.",
        ], e.Problems);
        Assert.Empty(progress);
    }
}
