using System.Net;
using System.Net.Sockets;
using Harness.Configuration;
using Harness.Pve;
using Xunit;

namespace Harness.Tests.Pve;

/// <summary>Contract tests of the PVE client against <see cref="FakePveServer"/> over real HTTPS on 127.0.0.1.</summary>
public sealed class PveClientTests : IAsyncLifetime
{
    private FakePveServer _fake = null!;

    public async ValueTask InitializeAsync() => _fake = await FakePveServer.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static PveClient Client(FakePveServer fake, string? fingerprint = "pin", string secret = FakePveServer.TokenSecret, Uri? url = null, int retries = 3) =>
        new(new PveClientOptions
        {
            BaseUrl = url ?? fake.Url,
            TokenId = FakePveServer.TokenId,
            TokenSecret = secret,
            Fingerprint = fingerprint == "pin" ? fake.Fingerprint : fingerprint,
            MaxRetries = retries,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RequestTimeout = TimeSpan.FromSeconds(10),
        });

    [Fact]
    public async Task Default_validation_refuses_the_self_signed_certificate_and_shows_its_fingerprint()
    {
        using var client = Client(_fake, fingerprint: null);
        var e = await Assert.ThrowsAsync<PveConnectionException>(() => client.GetVersionAsync(Ct));
        Assert.Contains("TLS refused", e.Message);
        Assert.Contains("HARNESS_PVE_FINGERPRINT", e.Message);
        Assert.Contains(_fake.Fingerprint, e.Message);
        Assert.False(e.IsTransient);
        Assert.Equal(0, _fake.RequestCount("GET version"));
    }

    [Fact]
    public async Task A_pinned_fingerprint_is_trusted()
    {
        using var client = Client(_fake);
        var v = await client.GetVersionAsync(Ct);
        Assert.Equal("8.4.1", v.Version);
        Assert.Equal("8.4", v.Release);
    }

    [Fact]
    public async Task A_wrong_pin_is_refused()
    {
        var wrong = string.Join(":", Enumerable.Repeat("AB", 32));
        using var client = Client(_fake, fingerprint: wrong);
        var e = await Assert.ThrowsAsync<PveConnectionException>(() => client.GetVersionAsync(Ct));
        Assert.Contains("does not match the pinned fingerprint", e.Message);
        Assert.Contains(_fake.Fingerprint, e.Message);
    }

    [Fact]
    public async Task A_wrong_token_gives_a_clear_message_without_the_secret()
    {
        const string secret = "00000000-dead-beef-0000-000000000000";
        using var client = Client(_fake, secret: secret);
        var e = await Assert.ThrowsAsync<PveApiException>(() => client.GetVersionAsync(Ct));
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("authentication failure", e.Message);
        Assert.Contains("HARNESS_PVE_TOKEN_SECRET", e.Message);
        Assert.DoesNotContain(secret, e.ToString());
        Assert.DoesNotContain(secret, client.ToString());
        Assert.Equal(1, _fake.RequestCount("GET version")); // 401 is not retried
    }

    [Fact]
    public async Task An_unreachable_url_gives_a_clear_message()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = Client(_fake, url: new Uri($"https://127.0.0.1:{port}"), retries: 1);
        var e = await Assert.ThrowsAsync<PveConnectionException>(() => client.GetVersionAsync(Ct));
        Assert.Contains($"https://127.0.0.1:{port}/ is not reachable", e.Message);
        Assert.Contains("HARNESS_PVE_URL", e.Message);
    }

    [Fact]
    public async Task Numbers_that_arrive_as_strings_are_read()
    {
        using var client = Client(_fake);
        Assert.Equal(100, await client.GetNextIdAsync(Ct));
        var node = await client.GetNodeStatusAsync("pve1", Ct);
        Assert.Equal(4, node.CpuCores);
        Assert.Equal(8, node.CpuCount);
        Assert.StartsWith("Linux 6.8", node.KernelVersion);
        _fake.AddGuest(120, "pve1", "x");
        var status = await client.GetStatusAsync(new PveGuestRef("pve1", PveGuestKind.Vm, 120), Ct);
        Assert.Equal(0.25, status.Cpu);
        Assert.Equal("9.2.0", status.RunningQemu);
        Assert.False(await client.IsIdFreeAsync(120, Ct));
        Assert.True(await client.IsIdFreeAsync(121, Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pve_error_text_is_in_the_exception_from_message_or_reason_phrase(bool legacy)
    {
        _fake.LegacyErrors = legacy;
        using var client = Client(_fake);
        var e = await Assert.ThrowsAsync<PveApiException>(() => client.GetConfigAsync(new PveGuestRef("pve1", PveGuestKind.Vm, 4242), Ct));
        Assert.Equal(500, e.StatusCode);
        Assert.Contains("Configuration file 'nodes/pve1/qemu-server/4242.conf' does not exist", e.Message);
        Assert.Contains("GET /nodes/pve1/qemu/4242/config", e.Message);
        Assert.True(e.IsDoesNotExist);
        Assert.Equal(1, _fake.RequestCount("GET nodes/pve1/qemu/4242/config")); // permanent: not retried
    }

    [Fact]
    public async Task Parameter_errors_are_in_the_exception()
    {
        _fake.AddGuest(130, "pve1", "x", status: "stopped");
        using var client = Client(_fake);
        var e = await Assert.ThrowsAsync<PveApiException>(() => client.SetConfigAsync(
            new PveGuestRef("pve1", PveGuestKind.Vm, 130), new Dictionary<string, string> { ["sshkeys"] = "ssh-ed25519 AAAA x" }, Ct));
        Assert.Equal(400, e.StatusCode);
        Assert.Contains("Parameter verification failed", e.Message);
        Assert.Contains("sshkeys: invalid format", e.Message);
    }

    [Theory]
    [InlineData(500, "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout")]
    [InlineData(596, "Errors during TLS negotiation, request sending and header processing: Connection timed out")]
    [InlineData(595, "Connection refused")]
    [InlineData(500, "cfs-lock 'storage-local-lvm' error: got lock request timeout")]
    public async Task Transient_failures_are_retried(int status, string error)
    {
        _fake.Fail("GET", "^version$", status, error, times: 2);
        using var client = Client(_fake);
        var v = await client.GetVersionAsync(Ct);
        Assert.Equal("8.4.1", v.Version);
        Assert.Equal(3, _fake.RequestCount("GET version"));
    }

    [Fact]
    public async Task A_transient_failure_that_persists_ends_with_pve_text()
    {
        _fake.Fail("GET", "^version$", 596, "Errors during TLS negotiation", times: 10);
        using var client = Client(_fake, retries: 2);
        var e = await Assert.ThrowsAsync<PveApiException>(() => client.GetVersionAsync(Ct));
        Assert.Contains("596 Errors during TLS negotiation", e.Message);
        Assert.Equal(3, _fake.RequestCount("GET version"));
    }

    [Fact]
    public async Task Tasks_are_polled_until_they_stop()
    {
        _fake.AddGuest(140, "pve2", "x", status: "stopped");
        using var client = Client(_fake);
        var g = new PveGuestRef("pve2", PveGuestKind.Vm, 140);
        var upid = await client.StartAsync(g, Ct);
        Assert.Equal("pve2", PveTasks.NodeOf(upid));
        Assert.Equal("qmstart", PveTasks.TypeOf(upid));
        var done = await PveTasks.WaitAsync(client, upid, "start", TimeSpan.FromSeconds(10), Ct, TimeSpan.FromMilliseconds(5));
        Assert.True(done.Succeeded);
        Assert.True((await client.GetStatusAsync(g, Ct)).IsRunning);
        Assert.Equal(3, _fake.RequestCount("GET nodes/pve2/tasks/UPID(qmstart)/status"));
    }

    [Fact]
    public async Task A_failed_task_throws_with_its_exit_status()
    {
        _fake.AddGuest(150, "pve1", "x", status: "stopped");
        _fake.FailTask("qmstart", "start failed: QEMU exited with code 1");
        using var client = Client(_fake);
        var upid = await client.StartAsync(new PveGuestRef("pve1", PveGuestKind.Vm, 150), Ct);
        var e = await Assert.ThrowsAsync<PveTaskException>(() => PveTasks.WaitAsync(client, upid, "start of vm 150", TimeSpan.FromSeconds(10), Ct, TimeSpan.FromMilliseconds(5)));
        Assert.Contains("start of vm 150 failed: start failed: QEMU exited with code 1", e.Message);
        Assert.False(e.TimedOut);
    }

    [Fact]
    public async Task A_task_outliving_its_timeout_throws()
    {
        _fake.AddGuest(160, "pve1", "x", status: "stopped");
        _fake.HangTask("qmstart");
        using var client = Client(_fake);
        var upid = await client.StartAsync(new PveGuestRef("pve1", PveGuestKind.Vm, 160), Ct);
        var e = await Assert.ThrowsAsync<PveTaskException>(() => PveTasks.WaitAsync(client, upid, "start", TimeSpan.FromMilliseconds(200), Ct, TimeSpan.FromMilliseconds(5)));
        Assert.True(e.TimedOut);
        Assert.Contains("did not finish within the timeout", e.Message);
    }

    [Theory]
    [InlineData("OK", true)]
    [InlineData("WARNINGS: 2", true)]
    [InlineData("clone failed: got timeout", false)]
    [InlineData("unexpected status", false)]
    public void Task_success_follows_pve_rules(string exit, bool ok) => Assert.Equal(ok, new PveTaskStatus("u", "stopped", exit).Succeeded);

    [Theory]
    [InlineData("UPID:pve-mp:00000ACD:00006AE8:679A423B:qmclone:112:capmox@pve!capi:", "pve-mp", "qmclone")]
    [InlineData("UPID:pve1:0002D1B6:0B7C3E21:65F1A2B3:vzcreate::root@pam:", "pve1", "vzcreate")]
    public void Upids_are_parsed(string upid, string node, string type)
    {
        Assert.Equal(node, PveTasks.NodeOf(upid));
        Assert.Equal(type, PveTasks.TypeOf(upid));
    }

    [Fact]
    public void A_malformed_upid_is_refused() => Assert.Throws<FormatException>(() => PveTasks.NodeOf("UPID:pve1:nothex"));
}
