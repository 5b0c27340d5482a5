using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Harness.Tests.Pve;

/// <summary>
/// An in-process PVE API on 127.0.0.1 (Kestrel, random port, HTTPS with an in-memory self-signed certificate) that
/// answers as the real one does: the {"data": …} envelope, UPIDs, tasks that run for a few polls, errors in the reason
/// phrase and the "message" field, a 401 with an empty body, a guest agent that is not ready at first, numbers as strings.
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
        fake.Guests[TemplateId] = new FakeGuest(TemplateId, "pve1", "qemu") { Template = true, Name = "harness-template" };
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
        Fault? fault;
        lock (_gate)
        {
            fault = _faults.FirstOrDefault(f => f.Times > 0 && f.Method == ctx.Request.Method && f.Path.IsMatch(path));
            if (fault is not null) fault.Times--;
        }
        if (fault is not null)
        {
            await Error(ctx, fault.Status, fault.Error, fault.Errors);
            return;
        }
        try
        {
            var (status, data, error, errors) = Route(ctx.Request.Method, path, all);
            if (status == 200) await Json(ctx, 200, new Dictionary<string, object?> { ["data"] = data });
            else await Error(ctx, status, error!, errors);
        }
        catch (Exception e)
        {
            await Error(ctx, 500, "fake PVE bug: " + e.Message);
        }
    }

    private (int Status, object? Data, string? Error, Dictionary<string, string>? Errors) Route(string method, string path, Dictionary<string, string> p)
    {
        lock (_gate)
        {
            FinishOldTasks();
            Match m;
            if (method == "GET" && path == "version") return Ok(new { version = "8.4.1", release = "8.4", repoid = "2a5fa54a" });
            if (method == "GET" && (m = NodeStatus().Match(path)).Success)
            {
                if (!Nodes.Contains(m.Groups[1].Value)) return Err(500, $"no such node '{m.Groups[1].Value}'");
                return Ok(new Dictionary<string, object>
                {
                    ["pveversion"] = "pve-manager/8.4.1/2a5fa54a",
                    ["kversion"] = "Linux 6.8.12-9-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9",
                    ["cpuinfo"] = new { model = "Fake CPU @ 2.0GHz", cpus = 8, cores = "4", sockets = 1 },
                    ["memory"] = new { total = 34359738368L, used = 1L, free = 2L },
                });
            }
            if (method == "GET" && path == "cluster/nextid")
            {
                if (p.TryGetValue("vmid", out var want))
                {
                    var id = int.Parse(want, CultureInfo.InvariantCulture);
                    return Guests.ContainsKey(id) ? Err(400, "Parameter verification failed.", new() { ["vmid"] = $"VM {id} already exists" }) : Ok(want);
                }
                var next = 100;
                while (Guests.ContainsKey(next)) next++;
                return Ok(next.ToString(CultureInfo.InvariantCulture)); // a string, as Perl may send it
            }
            if (method == "GET" && path == "cluster/resources")
            {
                return Ok(Guests.Values.Select(g => new Dictionary<string, object?>
                {
                    ["id"] = $"{g.Kind}/{g.VmId}", ["vmid"] = g.VmId, ["type"] = g.Kind, ["node"] = g.Node, ["name"] = g.Name,
                    ["status"] = g.Status, ["template"] = g.Template ? 1 : 0, ["tags"] = g.Config.GetValueOrDefault("tags"),
                }).ToList());
            }
            if (method == "GET" && (m = TaskStatus().Match(path)).Success) return TaskStatusOf(m.Groups["upid"].Value);
            if (method == "POST" && (m = CtCreate().Match(path)).Success)
            {
                var id = int.Parse(p["vmid"], CultureInfo.InvariantCulture);
                if (Guests.ContainsKey(id)) return Err(500, $"unable to create CT {id} - CT {id} already exists on node '{m.Groups[1].Value}'");
                if (!p.ContainsKey("ssh-public-keys")) return Err(400, "Parameter verification failed.", new() { ["ssh-public-keys"] = "missing in test" });
                var g = new FakeGuest(id, m.Groups[1].Value, "lxc") { Name = p["hostname"], Lock = "create" };
                foreach (var (k, v) in p) g.Config[k] = k == "tags" ? NormaliseTags(v) : v;
                Guests[id] = g;
                return Ok(NewTask(m.Groups[1].Value, "vzcreate", id, () => g.Lock = null, () => Guests.Remove(id)));
            }
            if (!(m = GuestPath().Match(path)).Success) return Err(501, $"Method '{method} /{path}' not implemented");
            var node = m.Groups["node"].Value;
            var kind = m.Groups["kind"].Value;
            var vmid = int.Parse(m.Groups["vmid"].Value, CultureInfo.InvariantCulture);
            var rest = m.Groups["rest"].Value;
            var label = kind == "qemu" ? "VM" : "CT";
            if (!Guests.TryGetValue(vmid, out var guest) || guest.Node != node || guest.Kind != kind)
            {
                return Err(500, $"Configuration file 'nodes/{node}/{(kind == "qemu" ? "qemu-server" : "lxc")}/{vmid}.conf' does not exist");
            }
            switch (method, rest)
            {
                case ("POST", "/clone"):
                {
                    var newId = int.Parse(p["newid"], CultureInfo.InvariantCulture);
                    if (Guests.ContainsKey(newId)) return Err(500, $"unable to create VM {newId}: config file already exists");
                    var target = p.GetValueOrDefault("target") ?? node;
                    var clone = new FakeGuest(newId, target, kind) { Name = p.GetValueOrDefault("name") ?? p.GetValueOrDefault("hostname"), Lock = "clone" };
                    foreach (var (k, v) in guest.Config) clone.Config[k] = v;
                    Guests[newId] = clone;
                    return Ok(NewTask(node, kind == "qemu" ? "qmclone" : "vzclone", vmid, () => clone.Lock = null, () => Guests.Remove(newId)));
                }
                case ("PUT", "/config"):
                {
                    if (guest.Lock is { } l) return Err(500, $"{label} is locked ({l})");
                    if (p.TryGetValue("sshkeys", out var keys) && !UrlEncoded().IsMatch(keys))
                    {
                        return Err(400, "Parameter verification failed.", new() { ["sshkeys"] = $"invalid format - invalid urlencoded string: {keys}\n" });
                    }
                    foreach (var (k, v) in p) guest.Config[k] = k == "tags" ? NormaliseTags(v) : v;
                    return Ok(null);
                }
                case ("GET", "/config"):
                    return Ok(guest.Config.ToDictionary(c => c.Key, c => (object)c.Value).Append(new("digest", "0123abcd")).ToDictionary());
                case ("GET", "/status/current"):
                    return Ok(new Dictionary<string, object?>
                    {
                        ["status"] = guest.Status, ["vmid"] = vmid, ["cpu"] = guest.Status == "running" ? "0.25" : "0", ["cpus"] = 1,
                        ["mem"] = 268435456L, ["maxmem"] = 1073741824L, ["lock"] = guest.Lock, ["tags"] = guest.Config.GetValueOrDefault("tags"),
                        ["running-qemu"] = kind == "qemu" && guest.Status == "running" ? "9.2.0" : null,
                    });
                case ("POST", "/status/start"):
                    if (guest.Lock is { } sl) return Err(500, $"{label} is locked ({sl})");
                    return Ok(NewTask(node, kind == "qemu" ? "qmstart" : "vzstart", vmid, () => guest.Status = "running"));
                case ("POST", "/status/stop"):
                    return Ok(NewTask(node, kind == "qemu" ? "qmstop" : "vzstop", vmid, () => guest.Status = "stopped"));
                case ("DELETE", ""):
                    if (guest.Status == "running") return Err(500, $"{label} {vmid} is running - destroy failed");
                    if (guest.Template) return Err(500, "refusing to destroy the template in a test");
                    return Ok(NewTask(node, kind == "qemu" ? "qmdestroy" : "vzdestroy", vmid, () => Guests.Remove(vmid)));
                case ("GET", "/agent/network-get-interfaces"):
                    if (guest.Status != "running") return Err(500, $"VM {vmid} is not running");
                    if (guest.AgentPolls++ < AgentPollsBeforeReady) return Err(500, "QEMU guest agent is not running");
                    return Ok(new { result = Interfaces(vmid) });
                case ("GET", "/interfaces"):
                    if (guest.Status != "running") return Err(500, $"CT {vmid} not running");
                    return Ok(Interfaces(vmid));
                default:
                    return Err(501, $"Method '{method} /{path}' not implemented");
            }
        }
    }

    private static object[] Interfaces(int vmid) =>
    [
        new Dictionary<string, object> { ["name"] = "lo", ["ip-addresses"] = new object[] { Ip("127.0.0.1", "ipv4", 8), Ip("::1", "ipv6", 128) } },
        // TEST-NET-1 (RFC 5737): documentation-only, never routed; the tests' connector never dials it.
        new Dictionary<string, object> { ["name"] = "eth0", ["ip-addresses"] = new object[] { Ip("fe80::1", "ipv6", 64), Ip($"192.0.2.{vmid % 250}", "ipv4", 24) } },
    ];

    private static Dictionary<string, object> Ip(string a, string t, int prefix) => new() { ["ip-address"] = a, ["ip-address-type"] = t, ["prefix"] = prefix };

    private string NewTask(string node, string type, int id, Action onSuccess, Action? onFailure = null)
    {
        var pid = Interlocked.Increment(ref _pid);
        var upid = $"UPID:{node}:{pid:X8}:{pid * 7:X8}:{DateTimeOffset.UtcNow.ToUnixTimeSeconds():X8}:{type}:{id}:{TokenId}:";
        var (polls, exit) = _taskFaults.Remove(type, out var f) ? f : (TaskPolls, "OK");
        _tasks[upid] = new FakeTask(polls, exit, exit == "OK" || exit is null ? onSuccess : onFailure ?? (() => { }));
        return upid;
    }

    /// <summary>Real tasks run on without being polled (a cancelled client stops polling); these end after a while too.</summary>
    private void FinishOldTasks()
    {
        foreach (var t in _tasks.Values.Where(t => !t.Done && t.Exit is not null && t.Age.Elapsed > TimeSpan.FromMilliseconds(300)))
        {
            t.Polls = 0;
            t.Done = true;
            t.OnEnd();
        }
    }

    private (int, object?, string?, Dictionary<string, string>?) TaskStatusOf(string upid)
    {
        if (!_tasks.TryGetValue(upid, out var t)) return Err(400, "Parameter verification failed.", new() { ["upid"] = "no such task" });
        if (t.Polls-- > 0 || t.Exit is null) return Ok(new { upid, status = "running", type = "x" });
        if (!t.Done)
        {
            t.Done = true;
            t.OnEnd();
        }
        return Ok(new { upid, status = "stopped", exitstatus = t.Exit });
    }

    private static string NormaliseTags(string v) =>
        string.Join(';', v.Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries).Select(t => t.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal));

    private static (int, object?, string?, Dictionary<string, string>?) Ok(object? data) => (200, data, null, null);

    private static (int, object?, string?, Dictionary<string, string>?) Err(int status, string error, Dictionary<string, string>? errors = null) => (status, null, error, errors);

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

    [GeneratedRegex(@"^nodes/([^/]+)/status$")]
    private static partial Regex NodeStatus();

    [GeneratedRegex(@"^nodes/[^/]+/tasks/(?<upid>[^/]+)/status$")]
    private static partial Regex TaskStatus();

    [GeneratedRegex(@"UPID:[^/]*?:(?<type>[a-z]+):[^/]*:")]
    private static partial Regex UpidInPath();

    [GeneratedRegex(@"^nodes/([^/]+)/lxc$")]
    private static partial Regex CtCreate();

    [GeneratedRegex(@"^nodes/(?<node>[^/]+)/(?<kind>qemu|lxc)/(?<vmid>\d+)(?<rest>/.*)?$")]
    private static partial Regex GuestPath();

    [GeneratedRegex(@"^[-%a-zA-Z0-9_.!~*'()]*$")]
    private static partial Regex UrlEncoded();

    private sealed class Fault(string method, Regex path, int status, string error, int times, Dictionary<string, string>? errors)
    {
        public string Method { get; } = method;
        public Regex Path { get; } = path;
        public int Status { get; } = status;
        public string Error { get; } = error;
        public int Times { get; set; } = times;
        public Dictionary<string, string>? Errors { get; } = errors;
    }

    private sealed class FakeTask(int polls, string? exit, Action onEnd)
    {
        public int Polls { get; set; } = polls;
        public string? Exit { get; } = exit;
        public Action OnEnd { get; } = onEnd;
        public bool Done { get; set; }
        public System.Diagnostics.Stopwatch Age { get; } = System.Diagnostics.Stopwatch.StartNew();
    }
}

public sealed class FakeGuest(int vmId, string node, string kind)
{
    public int VmId { get; } = vmId;
    public string Node { get; } = node;
    public string Kind { get; } = kind;
    public string? Name { get; set; }
    public string Status { get; set; } = "stopped";
    public bool Template { get; init; }
    public string? Lock { get; set; }
    public int AgentPolls { get; set; }
    public Dictionary<string, string> Config { get; } = [];
}
