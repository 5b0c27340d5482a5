using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Harness.Configuration;
using Polly;
using Polly.Retry;

namespace Harness.Pve;

/// <summary>
/// A small typed PVE REST client: HttpClient, API-token auth, TLS validated (or pinned by fingerprint, never "accept any"),
/// transient failures retried with backoff, PVE's error text in every exception.
/// </summary>
public sealed partial class PveClient : IPveClient
{
    private readonly HttpClient _http;
    private readonly PveClientOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly ResiliencePipeline _retryIfNotDone;
    private readonly string _authorization;
    private readonly string _apiRoot;
    private volatile string? _seenFingerprint;

    public PveClient(PveClientOptions options)
    {
        _options = options;
        var root = options.BaseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        if (!root.EndsWith("/api2/json", StringComparison.Ordinal)) root += "/api2/json";
        _apiRoot = root;
        _authorization = $"PVEAPIToken={options.TokenId}={options.TokenSecret}";
        var expected = options.Fingerprint?.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(15),
            // pveproxy runs 3 workers and forwards at most 4 requests per target; more in flight only earns 596s.
            MaxConnectionsPerServer = 4,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                {
                    if (cert is null) return false;
                    _seenFingerprint = cert.GetCertHashString(HashAlgorithmName.SHA256);
                    // A pin replaces chain and host name checks, as Proxmox's own tools do: node certificates are
                    // signed by the cluster's private CA, which the harness machine does not trust.
                    return expected is null ? errors == SslPolicyErrors.None : string.Equals(_seenFingerprint, expected, StringComparison.Ordinal);
                },
            },
        };
        _http = new HttpClient(handler) { Timeout = options.RequestTimeout };
        _retry = RetryPipeline(options, e => e.IsTransient);
        // A clone or create whose answer got lost may have happened: only a definite refusal (a lock timeout) is retried.
        _retryIfNotDone = RetryPipeline(options, e => e.IsTransient && !e.IsAmbiguous);
    }

    private static ResiliencePipeline RetryPipeline(PveClientOptions options, Func<PveApiException, bool> retryable) =>
        options.MaxRetries <= 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle(retryable),
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    options.OnRetry?.Invoke($"retrying after: {args.Outcome.Exception?.Message} (retry {args.AttemptNumber + 1} of {options.MaxRetries})");
                    return default;
                },
            }).Build();

    public static PveClient Create(PveOptions options, Action<string>? onRetry = null) => new(PveClientOptions.From(options, onRetry));

    public override string ToString() => $"PVE API {_apiRoot} as {_options.TokenId}";

    public async Task<PveVersionInfo> GetVersionAsync(CancellationToken cancellationToken)
    {
        var d = await SendAsync(PveRequests.Version(), cancellationToken).ConfigureAwait(false);
        return new PveVersionInfo(Str(d, "version") ?? "?", Str(d, "release") ?? "?", Str(d, "repoid") ?? "?");
    }

    public async Task<PveNodeStatus> GetNodeStatusAsync(string node, CancellationToken cancellationToken)
    {
        var d = await SendAsync(PveRequests.NodeStatus(node), cancellationToken).ConfigureAwait(false);
        var cpu = d.TryGetProperty("cpuinfo", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        var mem = d.TryGetProperty("memory", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        return new PveNodeStatus(
            node, Str(d, "pveversion"), Str(d, "kversion"), Str(cpu, "model"),
            (int)Num(cpu, "cpus"), (int)Num(cpu, "cores"), (int)Num(cpu, "sockets"), (long)Num(mem, "total"),
            d.TryGetProperty("cpu", out var busy) && busy.ValueKind == JsonValueKind.Number ? busy.GetDouble() : double.NaN);
    }

    public async Task<int> GetNextIdAsync(CancellationToken cancellationToken)
    {
        var d = await SendAsync(PveRequests.NextId(), cancellationToken).ConfigureAwait(false);
        return (int)AsNumber(d);
    }

    public async Task<bool> IsIdFreeAsync(int vmid, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(PveRequests.IdFree(vmid), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PveApiException e) when (e.StatusCode == 400)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<PveClusterGuest>> GetGuestsAsync(CancellationToken cancellationToken)
    {
        var d = await SendAsync(PveRequests.Guests(), cancellationToken).ConfigureAwait(false);
        var result = new List<PveClusterGuest>();
        if (d.ValueKind != JsonValueKind.Array) return result;
        foreach (var e in d.EnumerateArray())
        {
            var type = Str(e, "type");
            if (type is not ("qemu" or "lxc")) continue;
            var tags = (Str(e, "tags") ?? "").Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries).Select(t => t.ToLowerInvariant()).ToList();
            result.Add(new PveClusterGuest(
                Str(e, "node") ?? "?", type == "qemu" ? PveGuestKind.Vm : PveGuestKind.Lxc, (int)Num(e, "vmid"), Str(e, "name"),
                Str(e, "status") ?? "unknown", Num(e, "template") == 1, tags));
        }
        return result;
    }

    public async Task<string> CloneAsync(PveGuestRef source, PveCloneRequest request, CancellationToken cancellationToken) =>
        Upid(await SendAsync(PveRequests.Clone(source, request), cancellationToken, idempotent: false).ConfigureAwait(false));

    public async Task<string> CreateContainerAsync(string node, PveContainerCreateRequest request, CancellationToken cancellationToken) =>
        Upid(await SendAsync(PveRequests.CreateContainer(node, request), cancellationToken, idempotent: false).ConfigureAwait(false));

    public Task SetConfigAsync(PveGuestRef guest, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken) =>
        SendAsync(PveRequests.SetConfig(guest, values), cancellationToken);

    public async Task<IReadOnlyDictionary<string, string>> GetConfigAsync(PveGuestRef guest, CancellationToken cancellationToken)
    {
        var d = await SendAsync(PveRequests.GetConfig(guest), cancellationToken).ConfigureAwait(false);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (d.ValueKind != JsonValueKind.Object) return result;
        foreach (var p in d.EnumerateObject()) result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        return result;
    }

    public async Task<PveGuestStatus> GetStatusAsync(PveGuestRef guest, CancellationToken cancellationToken)
    {
        var d = await SendAsync(PveRequests.Status(guest), cancellationToken).ConfigureAwait(false);
        return new PveGuestStatus(
            Str(d, "status") ?? "unknown", Num(d, "cpu"), (int)Num(d, "cpus"), (long)Num(d, "mem"), (long)Num(d, "maxmem"),
            Str(d, "lock"), Str(d, "tags"), Str(d, "running-qemu"), Pressure(d));
    }

    public async Task<string> StartAsync(PveGuestRef guest, CancellationToken cancellationToken) =>
        Upid(await SendAsync(PveRequests.Start(guest), cancellationToken).ConfigureAwait(false));

    public async Task<string> StopAsync(PveGuestRef guest, CancellationToken cancellationToken) =>
        Upid(await SendAsync(PveRequests.Stop(guest), cancellationToken).ConfigureAwait(false));

    public async Task<string> DestroyAsync(PveGuestRef guest, CancellationToken cancellationToken) =>
        Upid(await SendAsync(PveRequests.Destroy(guest), cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyList<PveNetworkInterface>> GetInterfacesAsync(PveGuestRef guest, CancellationToken cancellationToken)
    {
        var d = await SendAsync(PveRequests.Interfaces(guest), cancellationToken).ConfigureAwait(false);
        // The agent wraps QGA's answer in {"result": ...}; the LXC endpoint returns the list itself, or null while stopped.
        if (d.ValueKind == JsonValueKind.Object && d.TryGetProperty("result", out var r)) d = r;
        var result = new List<PveNetworkInterface>();
        if (d.ValueKind != JsonValueKind.Array) return result;
        foreach (var i in d.EnumerateArray())
        {
            var addresses = new List<PveIpAddress>();
            if (i.TryGetProperty("ip-addresses", out var ips) && ips.ValueKind == JsonValueKind.Array)
            {
                foreach (var a in ips.EnumerateArray())
                {
                    if (Str(a, "ip-address") is { } ip) addresses.Add(new PveIpAddress(ip, AddressType(Str(a, "ip-address-type")), (int)Num(a, "prefix")));
                }
            }
            else if (Str(i, "inet") is { } inet)
            {
                var parts = inet.Split('/');
                addresses.Add(new PveIpAddress(parts[0], "ipv4", parts.Length > 1 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var p) ? p : 0));
            }
            result.Add(new PveNetworkInterface(Str(i, "name") ?? "?", addresses));
        }
        return result;
    }

    public async Task<PveTaskStatus> GetTaskStatusAsync(string upid, CancellationToken cancellationToken)
    {
        var d = await SendAsync(PveRequests.TaskStatus(upid), cancellationToken).ConfigureAwait(false);
        return new PveTaskStatus(upid, Str(d, "status") ?? "unknown", Str(d, "exitstatus"));
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> SendAsync(PveRequest r, CancellationToken cancellationToken, bool idempotent = true)
    {
        var method = new HttpMethod(r.Method);
        var inQuery = r.Method is "GET" or "DELETE";
        return await (idempotent ? _retry : _retryIfNotDone).ExecuteAsync(
            async token => await SendOnceAsync(method, r.Path, inQuery ? r.Parameters : null, inQuery ? null : r.Parameters, token).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonElement> SendOnceAsync(
        HttpMethod method, string path, IReadOnlyDictionary<string, string>? query, IReadOnlyDictionary<string, string>? form,
        CancellationToken cancellationToken)
    {
        var url = $"{_apiRoot}/{path}";
        if (query is { Count: > 0 }) url += "?" + string.Join("&", query.Select(q => $"{Esc(q.Key)}={Esc(q.Value)}"));
        using var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        if (form is not null) request.Content = new FormUrlEncodedContent(form);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException || e.GetBaseException() is AuthenticationException)
        {
            var seen = _seenFingerprint is { } f ? string.Join(":", f.Chunk(2).Select(c => new string(c))) : "(none received)";
            var why = _options.Fingerprint is null
                ? "its certificate is not trusted by this machine (PVE nodes use a self-signed cluster CA). Pin it: set HARNESS_PVE_FINGERPRINT"
                : "its certificate does not match the pinned fingerprint. If the node's certificate was renewed on purpose, update HARNESS_PVE_FINGERPRINT";
            throw new PveConnectionException(
                $"Proxmox VE at {_options.BaseUrl}: TLS refused, {why} (the server's SHA-256 fingerprint is {seen}; compare it with 'pvenode cert info' on the node before trusting it).",
                e, transient: false, ambiguous: false);
        }
        catch (HttpRequestException e)
        {
            throw new PveConnectionException(
                $"Proxmox VE at {_options.BaseUrl} is not reachable ({method} /{path}: {e.GetBaseException().Message}). Check HARNESS_PVE_URL and that the node's port 8006 is open from here.",
                e, transient: true);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PveConnectionException(
                $"Proxmox VE at {_options.BaseUrl} did not answer {method} /{path} within {_options.RequestTimeout.TotalSeconds:0} s.", e, transient: true);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            JsonElement? root = null;
            if (body.Length > 0)
            {
                try
                {
                    using var doc = JsonDocument.Parse(body);
                    root = doc.RootElement.Clone();
                }
                catch (JsonException)
                {
                    // 401 and proxy errors come without a JSON body; the reason phrase carries the error.
                }
            }
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                if (root is { ValueKind: JsonValueKind.Object } ok && ok.TryGetProperty("data", out var data)) return data;
                throw new PveApiException(method.Method, path, status, "the answer has no {\"data\": ...} envelope", null,
                    "Is HARNESS_PVE_URL the PVE API (https://HOST:8006)?");
            }
            var reason = response.ReasonPhrase ?? ((HttpStatusCode)status).ToString();
            var message = root is { ValueKind: JsonValueKind.Object } r && Str(r, "message") is { Length: > 0 } msg ? msg.Trim() : null;
            // Since pve-http-server 5.2 the body repeats the error in full; older nodes only send the first line as the reason.
            var error = message is not null && message.Length >= reason.Length ? message : reason;
            Dictionary<string, string>? errors = null;
            if (root is { ValueKind: JsonValueKind.Object } er && er.TryGetProperty("errors", out var ee) && ee.ValueKind == JsonValueKind.Object)
            {
                errors = ee.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());
            }
            var hint = status switch
            {
                401 => "The API token was refused: check HARNESS_PVE_TOKEN_ID (user@realm!tokenname) and HARNESS_PVE_TOKEN_SECRET, and that the token exists and has not expired",
                403 => "The token lacks a privilege; give it the role described in docs/proxmox.md (tokens with privilege separation need their own ACL)",
                501 => "This PVE version does not know the endpoint",
                _ => null,
            };
            throw new PveApiException(method.Method, path, status, error, errors, hint);
        }
    }

    private static string Upid(JsonElement data) =>
        data.ValueKind == JsonValueKind.String ? data.GetString()! : throw new PveApiException("?", "?", 200, $"expected a task id, got {data.GetRawText()}", null);

    private static string Esc(string s) => Uri.EscapeDataString(s);
}
