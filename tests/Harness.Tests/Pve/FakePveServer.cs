using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Harness.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Harness.Pve.Schema;

namespace Harness.Tests.Pve;

/// <summary>
/// An in-process PVE API on 127.0.0.1 (Kestrel, random port, HTTPS with an in-memory self-signed certificate) that
/// answers as the real one does: the {"data": …} envelope, UPIDs, tasks that run for a few polls, errors in the reason
/// phrase and the "message" field, a 401 with an empty body, a guest agent that is not ready at first, numbers as strings.
/// Every request is checked against PVE's own API schema (tests/Data) and refused as PVE refuses it.
/// Faults are injected per request or per task type. Every request is recorded (without the token) in order.
/// </summary>
public sealed partial class FakePveServer : IAsyncDisposable
{
    public const string TokenId = "harness@pve!ci";
    public const string TokenSecret = "5f0c3a4e-1111-2222-3333-444455556666";
    public const int TemplateId = 9000;

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly Lock _gate = new();
    private readonly List<string> _requests = [];
    private readonly List<Fault> _faults = [];
    private readonly List<string> _refusals = [];
    private int _validated;
    private readonly Dictionary<string, (int Polls, string? Exit)> _taskFaults = [];
    private readonly ConcurrentDictionary<string, FakeTask> _tasks = new();
    private int _pid = 0x1000;

    private FakePveServer(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        _certificate = certificate;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>The certificate's SHA-256 fingerprint as PVE shows it (AA:BB:…).</summary>
    public string Fingerprint => string.Join(":", _certificate.GetCertHashString(HashAlgorithmName.SHA256).Chunk(2).Select(c => new string(c)));

    public Dictionary<int, FakeGuest> Guests { get; } = [];

    /// <summary>Settings that point the harness at this server (two nodes, the template or an LXC archive, bridge vmbr0).</summary>
    public PveOptions Options(PveGuestKind kind = PveGuestKind.Vm) => new()
    {
        Url = Url,
        Nodes = ["pve1", "pve2"],
        TokenId = TokenId,
        TokenSecret = TokenSecret,
        Fingerprint = Fingerprint,
        Kind = kind,
        TemplateIds = kind == PveGuestKind.Vm ? [TemplateId] : [],
        OsTemplate = kind == PveGuestKind.Lxc ? "local:vztmpl/harness-guest.tar.zst" : null,
        Storage = kind == PveGuestKind.Lxc ? "local-lvm" : null,
        Bridge = "vmbr0",
    };

    /// <summary>Polls a task answers "running" before it stops.</summary>
    public int TaskPolls { get; set; } = 2;

    /// <summary>Agent calls that answer "QEMU guest agent is not running" after start.</summary>
    public int AgentPollsBeforeReady { get; set; } = 2;

    /// <summary>Pre-5.2 pve-http-server: the error only in the reason phrase, no "message" field.</summary>
    public bool LegacyErrors { get; set; }

    public string[] Nodes { get; } = ["pve1", "pve2"];

    /// <summary>Requests in order: "METHOD path [params]", path relative to /api2/json, UPIDs shortened to their type.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_gate) return _requests.ToList();
        }
    }

    public static async Task<FakePveServer> StartAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=pve1.fake", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel on Linux needs the key in a form it can use for TLS; a PFX round trip gives it one.
        var certificate = X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pfx), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http1; // reason phrases exist only in HTTP/1.x, and PVE speaks 1.1
            l.UseHttps(certificate);
        }));
        var app = builder.Build();
        var fake = new FakePveServer(app, certificate);
        var template = fake.Guests[TemplateId] = new FakeGuest(TemplateId, "pve1", "qemu") { Template = true, Name = "harness-template" };
        foreach (var (k, v) in TemplateConfig) template.Config[k] = v;
        app.Run(fake.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return fake;
    }

    /// <summary>Next <paramref name="times"/> requests matching method and path pattern fail with this status and error.</summary>
    public void Fail(string method, string pathPattern, int status, string error, int times = 1, Dictionary<string, string>? errors = null)
    {
        lock (_gate) _faults.Add(new Fault(method, new Regex(pathPattern), status, error, times, errors));
    }

    /// <summary>
    /// The next matching request is carried out (a clone starts, its config exists), but its answer is lost: the
    /// connection drops (<paramref name="status"/> 0) or pveproxy answers 596 because pvedaemon's reply never came.
    /// </summary>
    public void LoseResponse(string method, string pathPattern, int status = 0, int times = 1)
    {
        lock (_gate) _faults.Add(new Fault(method, new Regex(pathPattern), status, "Broken pipe", times, null, lost: true));
    }

    /// <summary>The next task of this type (qmclone, qmstart, …) ends with this exit status, or never ends (exit null, polls max).</summary>
    public void FailTask(string type, string exitStatus) => _taskFaults[type] = (TaskPolls, exitStatus);

    public void HangTask(string type) => _taskFaults[type] = (int.MaxValue, null);

    public FakeGuest AddGuest(int vmid, string node, string tags, string kind = "qemu", string status = "running")
    {
        lock (_gate)
        {
            var g = new FakeGuest(vmid, node, kind) { Status = status };
            g.Config["tags"] = tags;
            Guests[vmid] = g;
            return g;
        }
    }

    /// <summary>Requests that PVE's parameter check (run against the test-data schema) refused, with why.</summary>
    public IReadOnlyList<string> SchemaRefusals
    {
        get
        {
            lock (_gate) return _refusals.ToList();
        }
    }

    /// <summary>Requests that passed PVE's parameter check.</summary>
    public int ValidatedRequests
    {
        get
        {
            lock (_gate) return _validated;
        }
    }

    public int RequestCount(string prefix) => Requests.Count(r => r.StartsWith(prefix, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _certificate.Dispose();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value!;
        if (ctx.Request.Method == "GET" && path == ApiDocPath && ServeApiDoc)
        {
            ctx.Response.ContentType = "application/javascript";
            await ctx.Response.WriteAsync(ApiDocJs.Value);
            return;
        }
        const string root = "/api2/json/";
        if (!path.StartsWith(root, StringComparison.Ordinal))
        {
            await Error(ctx, 501, $"Method '{ctx.Request.Method} {path}' not implemented");
            return;
        }
        path = path[root.Length..];
        var form = ctx.Request.HasFormContentType ? (await ctx.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString()) : [];
        var query = ctx.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString());
        var all = query.Concat(form).ToDictionary(p => p.Key, p => p.Value);
        var shownPath = UpidInPath().Replace(path, m => "UPID(" + m.Groups["type"].Value + ")");
        var record = $"{ctx.Request.Method} {shownPath}" + (all.Count > 0
            ? " " + string.Join("&", all.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={(p.Key is "sshkeys" or "ssh-public-keys" ? "<key>" : p.Value)}"))
            : "");
        lock (_gate) _requests.Add(record);

        if (ctx.Request.Headers.Authorization.ToString() != $"PVEAPIToken={TokenId}={TokenSecret}")
        {
            ctx.Response.StatusCode = 401;
            ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = "authentication failure";
            return; // PVE: empty body, not JSON
        }
        // PVE checks parameters before any handler runs; so does the fake, against PVE's own schema.
        var check = Schema.Validate(ctx.Request.Method, "/" + path, all);
        lock (_gate)
        {
            if (check.IsValid) _validated++;
            else _refusals.Add($"{record}: {check}");
        }
        if (!check.IsKnown)
        {
            await Error(ctx, 501, $"Method '{ctx.Request.Method} /{path}' not implemented");
            return;
        }
        if (!check.IsValid)
        {
            await Error(ctx, 400, PveRequestCheck.ParameterVerificationFailed, check.Errors.ToDictionary());
            return;
        }
        Fault? fault;
        lock (_gate)
        {
            fault = _faults.FirstOrDefault(f => f.Times > 0 && f.Method == ctx.Request.Method && f.Path.IsMatch(path));
            if (fault is not null) fault.Times--;
        }
        if (fault is { Lost: false })
        {
            await Error(ctx, fault.Status, fault.Error, fault.Errors);
            return;
        }
        try
        {
            var (status, data, error, errors) = Route(ctx.Request.Method, path, all);
            if (fault is { Lost: true })
            {
                // The handler did its work (a clone started), but the answer never reaches the client.
                if (fault.Status == 0) ctx.Abort();
                else await Error(ctx, fault.Status, fault.Error);
                return;
            }
            if (status == 200) await Json(ctx, 200, new Dictionary<string, object?> { ["data"] = data });
            else await Error(ctx, status, error!, errors);
        }
        catch (Exception e)
        {
            await Error(ctx, 500, "fake PVE bug: " + e.Message);
        }
    }

    private async Task Error(HttpContext ctx, int status, string error, Dictionary<string, string>? errors = null)
    {
        ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = error.Split('\n')[0];
        var body = new Dictionary<string, object?> { ["data"] = null };
        if (!LegacyErrors) body["message"] = error + "\n";
        if (errors is not null) body["errors"] = errors;
        await Json(ctx, status, body);
    }

    private static async Task Json(HttpContext ctx, int status, object body)
    {
        ctx.Response.StatusCode = status;
        if (ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase is null && status == 200) ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = "OK";
        ctx.Response.ContentType = "application/json;charset=UTF-8";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    [GeneratedRegex(@"^nodes/[^/]+/tasks/(?<upid>[^/]+)/status$")]
    private static partial Regex TaskStatus();

    [GeneratedRegex(@"UPID:[^/]*?:(?<type>[a-z]+):[^/]*:")]
    private static partial Regex UpidInPath();

    [GeneratedRegex(@"^nodes/([^/]+)/lxc$")]
    private static partial Regex CtCreate();

    [GeneratedRegex(@"^nodes/(?<node>[^/]+)/(?<kind>qemu|lxc)/(?<vmid>\d+)(?<rest>/.*)?$")]
    private static partial Regex GuestPath();


    private sealed class Fault(string method, Regex path, int status, string error, int times, Dictionary<string, string>? errors, bool lost = false)
    {
        public bool Lost { get; } = lost;
        public string Method { get; } = method;
        public Regex Path { get; } = path;
        public int Status { get; } = status;
        public string Error { get; } = error;
        public int Times { get; set; } = times;
        public Dictionary<string, string>? Errors { get; } = errors;
    }
}
