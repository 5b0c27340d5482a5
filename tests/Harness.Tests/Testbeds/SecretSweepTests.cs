using System.Text;
using Harness.Configuration;
using Harness.Pve;
using Harness.Remote;
using Harness.Running;
using Harness.Scenarios;
using Harness.Testbeds;
using Harness.Testbeds.Docker;
using Harness.Testbeds.Proxmox;
using Harness.Tests.Pve;
using Xunit;

namespace Harness.Tests.Testbeds;

/// <summary>
/// Runs with planted secrets, each where it is really used, and searched for in the progress log, the test output,
/// every file the run writes (results, reports, summary) and every exception: an SSH private key that a real
/// container trusts, driven through the static backend; and a PVE token read by the Proxmox backend from the
/// environment and sent with every call to the (loopback) fake PVE server — plus the settings mistakes that would
/// otherwise carry it into a message.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class SecretSweepTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("harness-secrets-").FullName;

    [Fact]
    public async Task A_planted_key_appears_in_no_log_report_result_or_exception()
    {
        var ct = TestContext.Current.CancellationToken;
        using var planted = SshKeyPair.Create("planted");
        var pem = planted.PrivateKeyPem();
        var log = new SyncLog();

        // The guest: a real container trusting the planted key.
        var guestOptions = DockerCli.OneGuest();
        await using var guest = await DockerTestbed.CreateAsync(guestOptions, IsolationSession.NewRunId(), planted, log.Add, ct);
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
            ["HARNESS_OUTPUT_DIR"] = Path.Combine(_output, "runs"),
            ["HARNESS_WINDOW_SECONDS"] = "1",
            ["HARNESS_REPETITIONS"] = "3",
            ["HARNESS_MAX_REPETITIONS"] = "3",
            ["HARNESS_SETTLE_SECONDS"] = "1",
            ["HARNESS_CALIBRATION_ROUND_SECONDS"] = "2",
            ["HARNESS_RAM_TOLERANCE"] = "0", // so that the too-small scenario below is refused
            // This guest is a container without lxcfs: its /proc/meminfo is the host's, so its RAM target is a share
            // of the host's memory that the loads can never hold still (each correction waited 120 s for a steady
            // reading: 8.7 min on a 24 GB host). One attempt is enough for a test of where secrets go.
            ["HARNESS_CALIBRATION_TOLERANCE"] = "100",
        };
        var options = OptionsLoader.Load(env, Environment.ProcessorCount) with { GuestCount = 1 };

        var errors = new StringBuilder();
        await using (var session = await IsolationSession.StartAsync(options, log.Add, ct))
        {
            var result = await session.RunAsync(new Scenario("planted", [new GuestLoad("S1", 30, 40)]), ct);
            log.Add(result.Verdict.ToTable());
            // A failure path too: a scenario the guest cannot run (RAM below its idle use) throws with its message.
            errors.AppendLine((await Assert.ThrowsAsync<ScenarioNotRunnableException>(() =>
                session.RunAsync(new Scenario("too-small", [new GuestLoad("S1", 10, 0.1)]), ct))).ToString());
        }
        // And a refused host key, whose message names the fingerprints.
        var wrongKey = await Assert.ThrowsAsync<HostKeyMismatchException>(() =>
            SshShell.ConnectAsync("127.0.0.1", port, "root", pem, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ct));
        errors.AppendLine(wrongKey.ToString());

        var files = Directory.EnumerateFiles(_output, "*", SearchOption.AllDirectories)
            .Where(f => f != file && !f.EndsWith(".png", StringComparison.Ordinal))
            .ToArray();
        Assert.Contains(files, f => f.EndsWith("results.json", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("report.md", StringComparison.Ordinal));
        TestContext.Current.TestOutputHelper?.WriteLine(log.ToString());

        // The PEM's body lines, each searched for on its own: a partial leak is a leak.
        var needles = pem.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("-----", StringComparison.Ordinal))
            .ToArray();
        AssertNowhere(needles, files, ("progress log", log.ToString()), ("exceptions", errors.ToString()));
    }

    [Fact]
    public async Task A_planted_pve_token_appears_in_no_log_result_or_exception_of_a_proxmox_run()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fake = await FakePveServer.StartAsync();
        var env = new Dictionary<string, string>
        {
            ["HARNESS_BACKEND"] = "proxmox",
            ["HARNESS_PVE_URL"] = fake.Url.ToString(),
            ["HARNESS_PVE_NODES"] = "pve1",
            ["HARNESS_PVE_TOKEN_ID"] = FakePveServer.TokenId,
            ["HARNESS_PVE_TOKEN_SECRET"] = FakePveServer.TokenSecret, // the planted token: the fake refuses any other
            ["HARNESS_PVE_FINGERPRINT"] = fake.Fingerprint,
            ["HARNESS_PVE_TEMPLATE"] = FakePveServer.TemplateId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["HARNESS_OUTPUT_DIR"] = Path.Combine(_output, "runs"),
        };
        var log = new SyncLog();
        var errors = new StringBuilder();
        var options = OptionsLoader.Load(env, Environment.ProcessorCount) with { GuestCount = 2 };
        var backend = new LoopbackProxmox();
        await using (var session = await IsolationSession.StartAsync(options, backend, log.Add, ct))
        {
            // The fake accepts no other token: guests exist only because the planted one was sent.
            Assert.Equal(2, fake.Guests.Values.Count(g => !g.Template));
        }

        // A refused token, and the settings mistakes that would carry it into a message.
        var refused = options with { BackendSettings = Assert.IsType<PveOptions>(options.BackendSettings) with { TokenSecret = "0badc0de-0000-0000-0000-000000000000" } };
        errors.AppendLine((await Assert.ThrowsAnyAsync<Exception>(() => IsolationSession.StartAsync(refused, backend, log.Add, ct))).ToString());
        foreach (var (key, value) in new[]
                 {
                     ("HARNESS_PVE_TOKEN_ID", $"{FakePveServer.TokenId}={FakePveServer.TokenSecret}"),
                     ("HARNESS_PVE_TOKEN_SECRET", $"{FakePveServer.TokenId}={FakePveServer.TokenSecret}"),
                     ("HARNESS_PVE_URL", $"https://root:{FakePveServer.TokenSecret}@127.0.0.1:8006"),
                     ("RUNSETTINGS_HARNESS_PVE_TOKEN_SECRET", FakePveServer.TokenSecret),
                 })
        {
            var bad = new Dictionary<string, string>(env) { [key] = value };
            errors.AppendLine(Assert.Throws<HarnessConfigurationException>(() => OptionsLoader.Load(bad, Environment.ProcessorCount)).ToString());
        }

        var files = Directory.EnumerateFiles(_output, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".png", StringComparison.Ordinal)).ToArray();
        Assert.Contains(files, f => f.EndsWith("results.json", StringComparison.Ordinal));
        TestContext.Current.TestOutputHelper?.WriteLine(log.ToString());
        AssertNowhere([FakePveServer.TokenSecret], files, ("progress log", log.ToString()), ("exceptions", errors.ToString()),
            ("settings", options.ToString() + options.BackendSettings));
    }

    private static void AssertNowhere(IReadOnlyList<string> needles, IEnumerable<string> files, params (string Name, string Text)[] texts)
    {
        foreach (var (name, text) in files.Select(f => (f, File.ReadAllText(f))).Concat(texts))
        {
            foreach (var needle in needles)
            {
                Assert.False(text.Contains(needle, StringComparison.Ordinal), $"a planted secret leaked into {name}");
            }
        }
    }

    /// <summary>The Proxmox backend with its settings and API client as loaded, and guests that need no SSH.</summary>
    private sealed class LoopbackProxmox : TestbedBackend<PveOptions>
    {
        public override string Name => "proxmox";

        public override string HowToUse => "tests only";

        public override PveOptions Load(SettingsReader settings) => ProxmoxSettings.Load(settings);

        public override async Task<ITestbed> CreateAsync(PveOptions? settings, TestbedRequest request, CancellationToken cancellationToken)
        {
            var pve = settings! with { PollInterval = TimeSpan.FromMilliseconds(5) };
            var client = PveClient.Create(pve, m => request.Progress("PVE: " + m));
            return await ProxmoxTestbed.CreateAsync(pve, request.Options.GuestCount, request.RunId, request.Key, client,
                (_, _, _, _, _) => Task.FromResult<(IRemoteShell, string?)>((new SilentShell(), "fakehostkey")), request.Options.Remote, request.Progress,
                cancellationToken);
        }
    }

    private sealed class SilentShell : IRemoteShell
    {
        public Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken) => Task.FromResult(new CommandResult(0, "", ""));

        public async IAsyncEnumerable<string> StreamLinesAsync(
            string command, System.Threading.Channels.ChannelReader<string> input, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.CompletedTask;
            yield break;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    public void Dispose() => Directory.Delete(_output, recursive: true);
}
