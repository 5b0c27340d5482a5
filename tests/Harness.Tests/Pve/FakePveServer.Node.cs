using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Harness.Pve.Schema;

namespace Harness.Tests.Pve;

/// <summary>The fake's cluster, node and access endpoints, and the API viewer's schema script it serves.</summary>
public sealed partial class FakePveServer
{
    public const string ApiDocPath = "/pve-docs/api-viewer/apidoc.js";

    /// <summary>PVE's API schema of the test data (tests/Data), parsed once.</summary>
    public static PveApiSchema Schema => LazySchema.Value;

    private static readonly Lazy<string> SchemaJson = new(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "pve-api-schema-subset.json")));

    private static readonly Lazy<PveApiSchema> LazySchema = new(() => PveApiSchema.Parse(SchemaJson.Value));

    /// <summary>The test-data schema in the shape a node serves it: <c>const apiSchema = [tree];</c> and viewer code.</summary>
    private static readonly Lazy<string> ApiDocJs = new(() => "const apiSchema = " + ApiDocTree(SchemaJson.Value) + ";\n\nlet method2cmd = { GET: 'get', POST: 'create', PUT: 'set', DELETE: 'delete' };\n");

    /// <summary>A cloud-init template as ci/pve/build-template.sh makes it, with a tag of its own that clones inherit.</summary>
    public static readonly IReadOnlyDictionary<string, string> TemplateConfig = new Dictionary<string, string>
    {
        ["name"] = "harness-template", ["agent"] = "1", ["cores"] = "1", ["memory"] = "1024", ["tags"] = "debian12",
        ["ide2"] = "local-lvm:vm-9000-cloudinit,media=cdrom", ["scsi0"] = "local-lvm:base-9000-disk-0,size=2G",
        ["net0"] = "virtio=BC:24:11:AA:BB:CC,bridge=vmbr0", ["boot"] = "order=scsi0",
    };

    /// <summary>What the fake serves at <see cref="ApiDocPath"/>.</summary>
    public static string ApiDocScript => ApiDocJs.Value;

    public string Version { get; set; } = "8.4.1";

    /// <summary>Whether the node serves the API viewer's script (some installs leave pve-docs out).</summary>
    public bool ServeApiDoc { get; set; } = true;

    /// <summary>What the token may do, on every path (as a role on / would give it).</summary>
    public HashSet<string> Privileges { get; } =
    [
        "VM.Allocate", "VM.Clone", "VM.Config.CPU", "VM.Config.Memory", "VM.Config.Cloudinit", "VM.Config.Options", "VM.Config.Network",
        "VM.Config.Disk", "VM.PowerMgmt", "VM.Audit", "VM.Monitor", "VM.GuestAgent.Audit", "Datastore.AllocateSpace", "Datastore.Audit",
        "SDN.Use", "Sys.Audit",
    ];

    public List<Dictionary<string, object>> Storages { get; } =
    [
        new() { ["storage"] = "local-lvm", ["type"] = "lvmthin", ["content"] = "images,rootdir", ["active"] = 1, ["enabled"] = 1, ["shared"] = 0 },
        new() { ["storage"] = "local", ["type"] = "dir", ["content"] = "iso,vztmpl,backup", ["active"] = 1, ["enabled"] = 1, ["shared"] = 0 },
    ];

    public List<string> Bridges { get; } = ["vmbr0"];

    /// <summary>Answers /cluster/nextid gives first, taken or not: it reserves nothing, so another client may have used it.</summary>
    public Queue<int> NextIdAnswers { get; } = new();

    private (int, object?, string?, Dictionary<string, string>?)? RouteNode(string method, string path, Dictionary<string, string> p)
    {
        if (method != "GET") return null;
        Match m;
        if (path == "version") return Ok(new { version = Version, release = Version[..Version.LastIndexOf('.')], repoid = "2a5fa54a" });
        if (path == "access/permissions")
        {
            var on = p.GetValueOrDefault("path") ?? "/";
            return Ok(new Dictionary<string, object> { [on] = Privileges.ToDictionary(x => x, _ => (object)1) });
        }
        if ((m = NodePath().Match(path)).Success)
        {
            var node = m.Groups["node"].Value;
            if (!Nodes.Contains(node)) return Err(500, $"no such node '{node}'");
            return m.Groups["what"].Value switch
            {
                "status" => Ok(new Dictionary<string, object>
                {
                    ["pveversion"] = $"pve-manager/{Version}/2a5fa54a",
                    ["kversion"] = "Linux 6.8.12-9-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9",
                    ["cpuinfo"] = new { model = "Fake CPU @ 2.0GHz", cpus = 8, cores = "4", sockets = 1 },
                    ["memory"] = new { total = 34359738368L, used = 1L, free = 2L },
                }),
                "storage" => Ok(Storages),
                _ => Ok(Bridges.Select(b => new Dictionary<string, object> { ["iface"] = b, ["type"] = "bridge", ["active"] = 1 })
                    .Append(new Dictionary<string, object> { ["iface"] = "eno1", ["type"] = "eth", ["active"] = 1 }).ToList()),
            };
        }
        if (path == "cluster/nextid")
        {
            if (p.TryGetValue("vmid", out var want))
            {
                var id = int.Parse(want, CultureInfo.InvariantCulture);
                return Guests.ContainsKey(id) ? Err(400, "Parameter verification failed.", new() { ["vmid"] = $"VM {id} already exists" }) : Ok(want);
            }
            if (NextIdAnswers.TryDequeue(out var stale)) return Ok(stale.ToString(CultureInfo.InvariantCulture));
            var next = 100;
            while (Guests.ContainsKey(next)) next++;
            return Ok(next.ToString(CultureInfo.InvariantCulture)); // a string, as Perl may send it
        }
        if (path == "cluster/resources")
        {
            return Ok(Guests.Values.Select(g => new Dictionary<string, object?>
            {
                ["id"] = $"{g.Kind}/{g.VmId}", ["vmid"] = g.VmId, ["type"] = g.Kind, ["node"] = g.Node, ["name"] = g.StaleInResources ? null : g.Name,
                ["status"] = g.Status, ["template"] = g.Template && !g.StaleInResources ? 1 : 0, ["tags"] = g.Config.GetValueOrDefault("tags"),
            }).ToList());
        }
        return null;
    }

    /// <summary>{"paths": {…}} folded into the viewer's tree: each path a node, nested under its parent path.</summary>
    private static string ApiDocTree(string schemaJson)
    {
        var paths = JsonNode.Parse(schemaJson)!["paths"]!.AsObject();
        var nodes = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        JsonObject NodeFor(string path)
        {
            if (nodes.TryGetValue(path, out var n)) return n;
            var last = path[(path.LastIndexOf('/') + 1)..];
            n = new JsonObject { ["path"] = path, ["text"] = last, ["leaf"] = 1, ["children"] = new JsonArray() };
            nodes[path] = n;
            var parent = path[..path.LastIndexOf('/')];
            if (parent.Length > 0)
            {
                var up = NodeFor(parent);
                up["leaf"] = 0;
                up["children"]!.AsArray().Add(n);
            }
            return n;
        }
        foreach (var (path, methods) in paths) NodeFor(path)["info"] = methods!.DeepClone();
        var roots = new JsonArray(nodes.Where(n => n.Key.LastIndexOf('/') == 0).Select(n => (JsonNode)n.Value).ToArray());
        return roots.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    [GeneratedRegex(@"^nodes/(?<node>[^/]+)/(?<what>status|storage|network)$")]
    private static partial Regex NodePath();
}
