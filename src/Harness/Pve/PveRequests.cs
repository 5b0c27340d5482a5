using System.Globalization;
using Harness.Configuration;

namespace Harness.Pve;

/// <summary>One API request as it goes on the wire: method, path under /api2/json, query (GET, DELETE) or form parameters.</summary>
public sealed record PveRequest(string Method, string Path, IReadOnlyDictionary<string, string> Parameters)
{
    public override string ToString() =>
        $"{Method} /{Path}" + (Parameters.Count == 0 ? "" : " " + string.Join("&", Parameters.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={(p.Key is "sshkeys" or "ssh-public-keys" ? "<key>" : p.Value)}")));
}

/// <summary>
/// Every request <see cref="PveClient"/> sends is built here, so what the harness would send can be listed and checked
/// against a node's own schema (<c>doctor</c>) by the very code that sends it.
/// </summary>
public static class PveRequests
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    public static PveRequest Version() => Get("version");

    public static PveRequest NodeStatus(string node) => Get($"nodes/{Esc(node)}/status");

    public static PveRequest NextId() => Get("cluster/nextid");

    public static PveRequest IdFree(int vmid) => Get("cluster/nextid", ("vmid", Inv(vmid)));

    public static PveRequest Guests() => Get("cluster/resources", ("type", "vm"));

    public static PveRequest Clone(PveGuestRef source, PveCloneRequest request)
    {
        var form = new Dictionary<string, string>
        {
            ["newid"] = Inv(request.NewId),
            [source.Kind == PveGuestKind.Vm ? "name" : "hostname"] = request.Name,
            ["full"] = request.Full ? "1" : "0",
        };
        if (request.TargetNode is { } target && target != source.Node) form["target"] = target;
        if (request.Full && request.Storage is { } storage) form["storage"] = storage;
        return new PveRequest("POST", $"{source.Path}/clone", form);
    }

    public static PveRequest CreateContainer(string node, PveContainerCreateRequest request) =>
        new("POST", $"nodes/{Esc(node)}/lxc", new Dictionary<string, string>(request.Config)
        {
            ["vmid"] = Inv(request.VmId),
            ["hostname"] = request.Hostname,
            ["ostemplate"] = request.OsTemplate,
            ["rootfs"] = $"{request.Storage}:{Inv(request.DiskGiB)}",
            ["net0"] = $"name=eth0,bridge={request.Bridge},ip=dhcp",
            ["ssh-public-keys"] = request.SshPublicKeys,
            ["unprivileged"] = "1",
            ["start"] = "0",
        });

    public static PveRequest SetConfig(PveGuestRef guest, IReadOnlyDictionary<string, string> values) => new("PUT", $"{guest.Path}/config", values);

    public static PveRequest GetConfig(PveGuestRef guest) => Get($"{guest.Path}/config");

    public static PveRequest Status(PveGuestRef guest) => Get($"{guest.Path}/status/current");

    public static PveRequest Start(PveGuestRef guest) => new("POST", $"{guest.Path}/status/start", None);

    public static PveRequest Stop(PveGuestRef guest) => new("POST", $"{guest.Path}/status/stop", None);

    public static PveRequest Destroy(PveGuestRef guest) =>
        new("DELETE", guest.Path, new Dictionary<string, string> { ["purge"] = "1", ["destroy-unreferenced-disks"] = "1" });

    public static PveRequest Interfaces(PveGuestRef guest) =>
        Get(guest.Kind == PveGuestKind.Vm ? $"{guest.Path}/agent/network-get-interfaces" : $"{guest.Path}/interfaces");

    public static PveRequest TaskStatus(string upid) => Get($"nodes/{Esc(PveTasks.NodeOf(upid))}/tasks/{Esc(upid)}/status");

    public static PveRequest Permissions(string path) => Get("access/permissions", ("path", path));

    public static PveRequest Storages(string node) => Get($"nodes/{Esc(node)}/storage");

    public static PveRequest Network(string node) => Get($"nodes/{Esc(node)}/network");

    private static PveRequest Get(string path, params (string Key, string Value)[] query) =>
        new("GET", path, query.ToDictionary(q => q.Key, q => q.Value));

    private static string Esc(string s) => Uri.EscapeDataString(s);

    private static string Inv(int n) => n.ToString(CultureInfo.InvariantCulture);
}
