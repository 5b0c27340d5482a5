using Harness.Configuration;
using Harness.Pve;
using PveEmulator.Runtime;
using PveEmulator.Runtime.Lxc;

namespace PveEmulator.Tests;

/// <summary>An emulator with fake guests on a free 127.0.0.1 port, and the harness's own client pinned to it.</summary>
public sealed class Emulator : IAsyncDisposable
{
    public const string Secret = "test-secret-not-real";
    private readonly CancellationTokenSource _shutdown;

    private Emulator(EmulatorHost host, CancellationTokenSource shutdown)
    {
        Host = host;
        _shutdown = shutdown;
    }

    public EmulatorHost Host { get; }

    public PveApi Api => Host.Api;

    public static async Task<Emulator> StartAsync(params string[] args)
    {
        var options = EmulatorOptions.Parse(["--no-vms", "--lock-timeout", "1", "--auth-delay", "0", .. args], _ => null);
        options.TokenSecret = Secret;
        var shutdown = new CancellationTokenSource();
        var host = await EmulatorHost.StartAsync(options, new FakeRuntime(), new FakeContainerRuntime(), Validators.Create(options.SchemaFile), shutdown.Token);
        host.Api.AddTemplate();
        return new Emulator(host, shutdown);
    }

    public PveClient Client(string secret = Secret, int retries = 0) => new(new PveClientOptions
    {
        BaseUrl = Host.Url,
        TokenId = Host.Api.Options.TokenId,
        TokenSecret = secret,
        Fingerprint = Host.Fingerprint,
        MaxRetries = retries,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RequestTimeout = TimeSpan.FromSeconds(20),
    });

    public PveGuestRef Template => new(Host.Api.Options.Node, PveGuestKind.Vm, Host.Api.Options.TemplateId);

    public PveGuestRef Vm(int id) => new(Host.Api.Options.Node, PveGuestKind.Vm, id);

    public static CancellationToken Timeout(int seconds = 30) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public async Task<PveGuestRef> CloneAsync(PveClient client, int id, bool full = false)
    {
        var upid = await client.CloneAsync(Template, new PveCloneRequest(id, $"vm{id}", full, null, null), Timeout());
        await PveTasks.WaitAsync(client, upid, "clone", TimeSpan.FromSeconds(20), Timeout(), TimeSpan.FromMilliseconds(50));
        return Vm(id);
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        await Host.DisposeAsync();
        _shutdown.Dispose();
    }
}
