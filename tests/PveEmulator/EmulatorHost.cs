using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PveEmulator.Runtime;
using PveEmulator.Runtime.Lxc;

namespace PveEmulator;

/// <summary>
/// The node's HTTPS front (pveproxy's part): TLS with its own self-signed certificate, API-token authentication, the
/// {"data": …} envelope and PVE's way of reporting errors. The API itself is <see cref="PveApi"/>.
/// </summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly EmulatorOptions _options;
    private readonly byte[] _secret;

    private EmulatorHost(WebApplication app, X509Certificate2 certificate, EmulatorOptions options, PveApi api, CountingValidator validator)
    {
        _app = app;
        _certificate = certificate;
        _options = options;
        _secret = Encoding.UTF8.GetBytes(options.TokenSecret ?? throw new InvalidOperationException("no token secret"));
        Api = api;
        Validator = validator;
    }

    public Uri Url { get; private set; } = null!;

    public PveApi Api { get; }

    public CountingValidator Validator { get; }

    /// <summary>SHA-256 of the certificate, AA:BB:… as 'pvenode cert info' prints it: what HARNESS_PVE_FINGERPRINT pins.</summary>
    public string Fingerprint => string.Join(":", _certificate.GetCertHashString(HashAlgorithmName.SHA256).Chunk(2).Select(c => new string(c)));

    public long RequestCount => Interlocked.Read(ref _requests);

    private long _requests;

    public static async Task<EmulatorHost> StartAsync(
        EmulatorOptions options, IGuestRuntime runtime, IContainerRuntime containers, IRequestValidator validator, CancellationToken shutdown)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={options.Node}.emulated", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        // Kestrel on Linux needs the private key in an exportable form; a PKCS#12 round trip gives it one.
        var certificate = X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pfx), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port, l =>
        {
            l.Protocols = HttpProtocols.Http1; // PVE speaks HTTP/1.1, and errors travel in the reason phrase
            l.UseHttps(certificate);
        }));
        var app = builder.Build();
        var counting = new CountingValidator(validator);
        var api = new PveApi(options, runtime, containers, shutdown);
        var host = new EmulatorHost(app, certificate, options, api, counting);
        app.Run(host.HandleAsync);
        await app.StartAsync(shutdown).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        // Requests still open after 5 s (a long agent call) are cut off rather than holding up the VMs' cleanup.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(grace.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _certificate.Dispose();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        const string root = "/api2/json/";
        var path = ctx.Request.Path.Value ?? "";
        if (path == "/pve-docs/api-viewer/apidoc.js" && ctx.Request.Method == "GET")
        {
            // pveproxy serves pve-docs without authentication; a node without pve-docs answers 404.
            ctx.Response.StatusCode = _options.SchemaFile is null ? 404 : 200;
            ctx.Response.ContentType = "application/javascript";
            if (_options.SchemaFile is { } schema) await ctx.Response.WriteAsync(PveApi.ApiDocJs(schema), ctx.RequestAborted).ConfigureAwait(false);
            return;
        }
        if (!path.StartsWith(root, StringComparison.Ordinal))
        {
            await ErrorAsync(ctx, new PveError(501, $"Method '{ctx.Request.Method} {path}' not implemented")).ConfigureAwait(false);
            return;
        }
        path = path[root.Length..].TrimEnd('/');
        var user = Authenticate(ctx.Request.Headers.Authorization.ToString());
        if (user is null)
        {
            // PVE answers a bad ticket or token late, against guessing; the body is empty, the reason says why.
            await Task.Delay(_options.AuthDelay, ctx.RequestAborted).ConfigureAwait(false);
            ctx.Response.StatusCode = 401;
            ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = "authentication failure";
            return;
        }
        try
        {
            var parameters = await ReadParametersAsync(ctx.Request).ConfigureAwait(false);
            var check = Validator.Validate(ctx.Request.Method, path, parameters);
            if (!check.IsValid) throw new PveError(400, "Parameter verification failed.", check.Errors);
            var call = new ApiCall(ctx.Request.Method, path, parameters, user, ctx.RequestAborted);
            var data = await Api.HandleAsync(call).ConfigureAwait(false);
            if (call.DropResponse)
            {
                // Fault injection: the work has started, the client never learns it (a proxy or link failing).
                ctx.Abort();
                return;
            }
            await JsonAsync(ctx, 200, new Dictionary<string, object?> { ["data"] = data }).ConfigureAwait(false);
        }
        catch (PveError e)
        {
            await ErrorAsync(ctx, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            await ErrorAsync(ctx, new PveError(500, "emulator bug: " + e.Message)).ConfigureAwait(false);
        }
    }

    /// <summary>The token id if the header carries our token with the right secret (compared in constant time).</summary>
    private string? Authenticate(string header)
    {
        const string prefix = "PVEAPIToken=";
        if (!header.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var rest = header[prefix.Length..];
        var eq = rest.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0) return null;
        var id = rest[..eq];
        var secret = Encoding.UTF8.GetBytes(rest[(eq + 1)..]);
        return id == _options.TokenId && CryptographicOperations.FixedTimeEquals(secret, _secret) ? id : null;
    }

    /// <summary>Query string for GET/DELETE, form body for POST/PUT; PVE's body parser splits on both '&amp;' and ';'.</summary>
    private static async Task<Dictionary<string, string>> ReadParametersAsync(HttpRequest request)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var q in request.Query) result[q.Key] = q.Value.ToString();
        if (request.Method is "POST" or "PUT" && request.ContentLength is not 0)
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
            foreach (var pair in body.Split(['&', ';'], StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var k = Decode(eq < 0 ? pair : pair[..eq]);
                result[k] = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
            }
        }
        return result;
    }

    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    private static Task ErrorAsync(HttpContext ctx, PveError e)
    {
        ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = e.Message.Split('\n')[0];
        var body = new Dictionary<string, object?> { ["data"] = null, ["message"] = e.Message.TrimEnd('\n') + "\n" };
        if (e.Errors is not null) body["errors"] = e.Errors;
        return JsonAsync(ctx, e.Status, body);
    }

    private static async Task JsonAsync(HttpContext ctx, int status, object body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json;charset=UTF-8";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(body), ctx.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>One authenticated API request. A handler sets <see cref="DropResponse"/> to lose its answer on purpose.</summary>
public sealed class ApiCall(string method, string path, IReadOnlyDictionary<string, string> parameters, string user, CancellationToken aborted)
{
    public string Method { get; } = method;
    public string Path { get; } = path;
    public IReadOnlyDictionary<string, string> P { get; } = parameters;
    public string User { get; } = user;
    public CancellationToken Aborted { get; } = aborted;
    public bool DropResponse { get; set; }
}
