using System.Text.Json;

namespace Harness.Pve;

/// <summary>The calls only the preflight check (<c>doctor</c>) makes.</summary>
public sealed partial class PveClient
{
    public async Task<IReadOnlySet<string>> GetPrivilegesAsync(string path, CancellationToken cancellationToken)
    {
        var d = await SendAsync(PveRequests.Permissions(path), cancellationToken).ConfigureAwait(false);
        var result = new HashSet<string>(StringComparer.Ordinal);
        // {"<path>": {"VM.Audit": 1, …}}: the token's effective privileges on that path, inherited ones included.
        if (d.ValueKind == JsonValueKind.Object && d.TryGetProperty(path, out var privs) && privs.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in privs.EnumerateObject().Where(p => AsNumber(p.Value) != 0)) result.Add(p.Name);
        }
        return result;
    }

    public async Task<IReadOnlyList<PveStorage>> GetStoragesAsync(string node, CancellationToken cancellationToken)
    {
        var d = await SendAsync(PveRequests.Storages(node), cancellationToken).ConfigureAwait(false);
        if (d.ValueKind != JsonValueKind.Array) return [];
        return d.EnumerateArray().Select(s => new PveStorage(
            Str(s, "storage") ?? "?", Str(s, "type") ?? "?",
            (Str(s, "content") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Num(s, "active") != 0, Num(s, "shared") != 0)).ToList();
    }

    public async Task<IReadOnlyList<string>> GetBridgesAsync(string node, CancellationToken cancellationToken)
    {
        var d = await SendAsync(PveRequests.Network(node), cancellationToken).ConfigureAwait(false);
        if (d.ValueKind != JsonValueKind.Array) return [];
        return d.EnumerateArray().Where(i => Str(i, "type") is "bridge" or "OVSBridge" or "vnet").Select(i => Str(i, "iface") ?? "?").ToList();
    }

    /// <summary>The node's API viewer script with its schema, or null when the node does not serve it (pve-docs not installed).</summary>
    public async Task<string?> GetApiDocAsync(CancellationToken cancellationToken)
    {
        var url = new Uri(_options.BaseUrl, "/pve-docs/api-viewer/apidoc.js");
        try
        {
            using var response = await _http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false) : null;
        }
        catch (HttpRequestException e)
        {
            throw new PveConnectionException($"Proxmox VE at {_options.BaseUrl} did not serve {url.AbsolutePath} ({e.GetBaseException().Message})", e, transient: false);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PveConnectionException($"Proxmox VE at {_options.BaseUrl} did not answer {url.AbsolutePath} within {_options.RequestTimeout.TotalSeconds:0} s.", e, transient: false);
        }
    }
}

/// <summary>One storage as a node sees it.</summary>
public sealed record PveStorage(string Id, string Type, IReadOnlyList<string> Content, bool Active, bool Shared);
