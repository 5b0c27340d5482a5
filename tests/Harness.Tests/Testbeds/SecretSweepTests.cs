using System.Text;
using Harness.Configuration;
using Harness.Remote;
using Harness.Running;
using Harness.Scenarios;
using Harness.Testbeds.Docker;
using Xunit;

namespace Harness.Tests.Testbeds;

/// <summary>
/// A whole run with a planted SSH private key and a planted PVE token secret in its settings: neither may show up
/// in the progress log, the test output, any file the run writes (results, reports, summary) or an exception.
/// The guest is a real container that trusts the planted key, driven through the static backend, so the key is
/// really used for every SSH session of the run.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class SecretSweepTests : IDisposable
{
    private const string PlantedTokenSecret = "0badc0de-5ec2-4e7a-9d1d-5ec2e75ec2e7";
    private readonly string _output = Directory.CreateTempSubdirectory("harness-secrets-").FullName;

    [Fact]
    public async Task A_planted_key_and_token_appear_in_no_log_report_result_or_exception()
    {
        var ct = TestContext.Current.CancellationToken;
        using var planted = SshKeyPair.Create("planted");
        var pem = planted.PrivateKeyPem();
        var log = new StringBuilder();

        // The guest: a real container trusting the planted key.
        var guestOptions = DockerCli.OneGuest();
        await using var guest = await DockerTestbed.CreateAsync(guestOptions, IsolationSession.NewRunId(), planted, m => log.AppendLine(m), ct);
        var container = DockerCli.ContainerName(guest.Guests[0].Identity);
        var port = await DockerCli.PublishedSshPortAsync(guest.Guests[0].Identity, ct);
        var hostKey = (await DockerCli.RunAsync(ct, "exec", container, "ssh-keygen", "-l", "-E", "sha256", "-f", "/etc/ssh/ssh_host_ed25519_key.pub")).Split(' ')[1];

        var file = Path.Combine(_output, "guests.json");
        await File.WriteAllTextAsync(file,
            $$"""{ "guests": [ { "name": "S1", "host": "127.0.0.1", "port": {{port}}, "user": "root", "cpus": 0.4, "memoryMiB": 256, "hostKey": "{{hostKey}}" } ] }""", ct);
        var env = new Dictionary<string, string>
        {
            ["HARNESS_BACKEND"] = "static",
            ["HARNESS_STATIC_FILE"] = file,
            ["HARNESS_STATIC_SSH_KEY"] = pem,
            ["HARNESS_PVE_TOKEN_SECRET"] = PlantedTokenSecret,
            ["HARNESS_OUTPUT_DIR"] = Path.Combine(_output, "runs"),
            ["HARNESS_WINDOW_SECONDS"] = "1",
            ["HARNESS_REPETITIONS"] = "3",
            ["HARNESS_SETTLE_SECONDS"] = "1",
            ["HARNESS_CALIBRATION_ROUND_SECONDS"] = "2",
            ["HARNESS_RAM_TOLERANCE"] = "0", // so that the too-small scenario below is refused
        };
        var options = OptionsLoader.Load(env, Environment.ProcessorCount) with { GuestCount = 1 };

        var errors = new StringBuilder();
        await using (var session = await IsolationSession.StartAsync(options, m => log.AppendLine(m), ct))
        {
            var result = await session.RunAsync(new Scenario("planted", [new GuestLoad("S1", 30, 40)]), ct);
            log.AppendLine(result.Verdict.ToTable());
            // A failure path too: a scenario the guest cannot run (RAM below its idle use) throws with its message.
            errors.AppendLine((await Assert.ThrowsAsync<ScenarioNotRunnableException>(() =>
                session.RunAsync(new Scenario("too-small", [new GuestLoad("S1", 10, 0.1)]), ct))).ToString());
        }
        // And a refused host key, whose message names the fingerprints.
        var wrongKey = await Assert.ThrowsAsync<HostKeyMismatchException>(() =>
            SshShell.ConnectAsync("127.0.0.1", port, "root", pem, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ct));
        errors.AppendLine(wrongKey.ToString());
        Assert.NotEqual(0, errors.Length);

        var files = Directory.EnumerateFiles(_output, "*", SearchOption.AllDirectories)
            .Where(f => f != file && !f.EndsWith(".png", StringComparison.Ordinal))
            .ToArray();
        Assert.Contains(files, f => f.EndsWith("results.json", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("report.md", StringComparison.Ordinal));
        TestContext.Current.TestOutputHelper?.WriteLine(log.ToString());

        // The PEM's body lines and the token, each searched for on its own: a partial leak is a leak.
        var needles = pem.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("-----", StringComparison.Ordinal))
            .Append(PlantedTokenSecret)
            .ToArray();
        var haystacks = files.Select(f => (Name: f, Text: File.ReadAllText(f)))
            .Append(("progress log", log.ToString()))
            .Append(("exceptions", errors.ToString()));
        foreach (var (name, text) in haystacks)
        {
            foreach (var needle in needles)
            {
                Assert.False(text.Contains(needle, StringComparison.Ordinal), $"a planted secret leaked into {name}");
            }
        }
    }

    public void Dispose() => Directory.Delete(_output, recursive: true);
}
