using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.Tests.Pve;

/// <summary>The fake's guest endpoints: clone, create, config, power, destroy, addresses.</summary>
public sealed partial class FakePveServer
{
    private (int Status, object? Data, string? Error, Dictionary<string, string>? Errors) Route(string method, string path, Dictionary<string, string> p)
    {
        lock (_gate)
        {
            FinishOldTasks();
            Match m;
            if (RouteNode(method, path, p) is { } answer) return answer;
            if (method == "GET" && (m = TaskStatus().Match(path)).Success) return TaskStatusOf(m.Groups["upid"].Value);
            if (method == "POST" && (m = CtCreate().Match(path)).Success)
            {
                var id = int.Parse(p["vmid"], CultureInfo.InvariantCulture);
                if (Guests.ContainsKey(id)) return Err(500, $"unable to create CT {id} - CT {id} already exists on node '{m.Groups[1].Value}'");
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
                    var clone = new FakeGuest(newId, target, kind) { Lock = "clone" };
                    var cloneName = p.GetValueOrDefault("name") ?? p.GetValueOrDefault("hostname");
                    // As in PVE: the new config holds only its lock until the task ends; then the template's config (tags
                    // included, the template flag not) and the new name.
                    void Finish()
                    {
                        foreach (var (k, v) in guest.Config) clone.Config[k] = v;
                        clone.Name = cloneName ?? clone.Name;
                        if (cloneName is not null) clone.Config[kind == "qemu" ? "name" : "hostname"] = cloneName;
                        clone.Lock = null;
                    }
                    Guests[newId] = clone;
                    return Ok(NewTask(node, kind == "qemu" ? "qmclone" : "vzclone", vmid, Finish, () => Guests.Remove(newId)));
                }
                case ("PUT", "/config"):
                {
                    if (guest.Lock is { } l) return Err(500, $"{label} is locked ({l})");
                    foreach (var (k, v) in p) guest.Config[k] = k == "tags" ? NormaliseTags(v) : v;
                    return Ok(null);
                }
                case ("GET", "/config"):
                {
                    var config = guest.Config.ToDictionary(c => c.Key, c => (object)c.Value);
                    config["digest"] = "0123abcd";
                    if (guest.Lock is { } cl) config["lock"] = cl;
                    if (guest.Template) config["template"] = 1;
                    return Ok(config);
                }
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
                    // PVE >= 8.1 asks the running container (ip --json a); a stopped one has nothing to say.
                    return Ok(guest.Status == "running" ? ContainerInterfaces(vmid) : null);
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

    /// <summary>The LXC endpoint's own words: types inet/inet6 as 'ip' prints them, plus inet/inet6 summaries.</summary>
    private static object[] ContainerInterfaces(int vmid) =>
    [
        new Dictionary<string, object>
        {
            ["name"] = "lo", ["hwaddr"] = "00:00:00:00:00:00", ["hardware-address"] = "00:00:00:00:00:00", ["inet"] = "127.0.0.1/8", ["inet6"] = "::1/128",
            ["ip-addresses"] = new object[] { Ip("127.0.0.1", "inet", 8), Ip("::1", "inet6", 128) },
        },
        new Dictionary<string, object>
        {
            ["name"] = "eth0", ["hwaddr"] = "bc:24:11:00:00:01", ["hardware-address"] = "bc:24:11:00:00:01", ["inet"] = $"192.0.2.{vmid % 250}/24",
            ["inet6"] = "fe80::be24:11ff:fe00:1/64",
            ["ip-addresses"] = new object[] { Ip($"192.0.2.{vmid % 250}", "inet", 24), Ip("fe80::be24:11ff:fe00:1", "inet6", 64) },
        },
    ];

    private static Dictionary<string, object> Ip(string a, string t, int prefix) => new() { ["ip-address"] = a, ["ip-address-type"] = t, ["prefix"] = prefix };

    private static string NormaliseTags(string v) =>
        string.Join(';', v.Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries).Select(t => t.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal));

    private static (int, object?, string?, Dictionary<string, string>?) Ok(object? data) => (200, data, null, null);

    private static (int, object?, string?, Dictionary<string, string>?) Err(int status, string error, Dictionary<string, string>? errors = null) => (status, null, error, errors);

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

    /// <summary>pvestatd has not caught up yet: /cluster/resources shows the guest without name or template flag.</summary>
    public bool StaleInResources { get; set; }
}
