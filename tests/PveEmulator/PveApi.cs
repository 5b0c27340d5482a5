using System.Globalization;
using System.Text.RegularExpressions;
using PveEmulator.Runtime;
using PveEmulator.Runtime.Lxc;

namespace PveEmulator;

/// <summary>
/// The API of one PVE node (pvedaemon's part): routing, privileges, the cluster and task endpoints here, the guest
/// endpoints in PveApi.Guests.cs. Every rule follows what the real node does; docs/pve-emulator.md lists them.
/// </summary>
public sealed partial class PveApi(EmulatorOptions options, IGuestRuntime runtime, IContainerRuntime containers, CancellationToken shutdown)
{
    public GuestStore Store { get; } = new(options.LockTimeout);

    public TaskRegistry Tasks { get; } = new(options.Node, options.Faults, shutdown);

    public EmulatorOptions Options => options;

    private NodeCpu NodeBusy { get; } = NodeCpu.OfThisHost();

    public IGuestRuntime Runtime => runtime;

    public IContainerRuntime Containers => containers;

    /// <summary>The template VM: its disk is the image the build script made.</summary>
    public void AddTemplate()
    {
        var t = Store.Create(options.TemplateId, options.Node, "qemu", new Dictionary<string, string>
        {
            ["name"] = "harness-template", ["template"] = "1", ["cores"] = "1", ["memory"] = "1024", ["agent"] = "1",
            ["net0"] = $"virtio={FakeRuntime.Mac(options.TemplateId)},bridge=vmbr0", ["scsi0"] = $"local:{options.TemplateId}/base-{options.TemplateId}-disk-0.qcow2,size=3G",
            ["ide2"] = $"local:{options.TemplateId}/vm-{options.TemplateId}-cloudinit.qcow2,media=cdrom", ["serial0"] = "socket", ["ostype"] = "l26",
            ["ipconfig0"] = "ip=dhcp", ["tags"] = "harness-template", ["boot"] = "order=scsi0",
        });
        t.DiskPath = runtime.TemplateDisk;
    }

    public async Task<object?> HandleAsync(ApiCall call)
    {
        var (m, p) = (call.Method, call.Path);
        Match r;
        if (m == "GET" && p == "version") return new Dictionary<string, object> { ["version"] = "9.0.3", ["release"] = "9.0", ["repoid"] = "0e0e0e0e" };
        if (m == "GET" && p == "nodes") return new[] { NodeEntry() };
        if (m == "GET" && p == "cluster/nextid") return NextId(call);
        if (m == "GET" && p == "cluster/resources") return Resources(call);
        if (m == "GET" && p == "access/permissions") return Preflight(call, p);
        if ((r = NodePath().Match(p)).Success)
        {
            var node = r.Groups["node"].Value;
            if (node != options.Node) throw new PveError(500, $"hostname lookup '{node}' failed - failed to get address info for: {node}: Name or service not known");
            var rest = r.Groups["rest"].Value;
            if (m == "GET" && rest == "/status") return NodeStatus(call);
            if (m == "GET" && rest is "/storage" or "/network") return Preflight(call, rest);
            if ((r = TaskPath().Match(rest)).Success) return TaskEndpoint(call, r.Groups["upid"].Value, r.Groups["what"].Value);
            if (m == "GET" && rest is "/qemu" or "/lxc") return Store.All().Where(g => g.Kind == rest[1..] && Sees(g)).Select(g => ResourceEntry(g)).ToList();
            if (m == "POST" && rest == "/lxc") return CreateContainer(call);
            if ((r = GuestPath().Match(rest)).Success)
            {
                return await GuestAsync(call, r.Groups["kind"].Value, int.Parse(r.Groups["vmid"].Value, CultureInfo.InvariantCulture), r.Groups["rest"].Value)
                    .ConfigureAwait(false);
            }
        }
        throw new PveError(501, $"Method '{m} /{p}' not implemented");
    }

    private bool Has(string privilege) => options.Privileges is null || options.Privileges.Contains(privilege);

    /// <summary>PVE's check_perm / check_any: the error names the path and the privilege(s), any-of joined by '|'.</summary>
    internal void Need(string path, params string[] privileges)
    {
        if (privileges.Any(Has)) return;
        throw new PveError(403, $"Permission check failed ({path}, {string.Join('|', privileges)})");
    }

    /// <summary>A token without VM.Audit does not see the guest in lists at all (no error).</summary>
    private bool Sees(EmuGuest g) => Has("VM.Audit");

    private object NextId(ApiCall call)
    {
        if (call.P.TryGetValue("vmid", out var want))
        {
            if (!int.TryParse(want, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 100)
            {
                throw PveError.BadParameter("vmid", "value does not match the regex pattern");
            }
            // A taken id is refused as a parameter error, not a 500: 'VM N already exists'.
            if (Store.IsTaken(id)) throw PveError.BadParameter("vmid", $"VM {id} already exists");
            return id.ToString(CultureInfo.InvariantCulture);
        }
        return Store.NextId().ToString(CultureInfo.InvariantCulture); // a string on the wire, as Perl sends it
    }

    private object Resources(ApiCall call)
    {
        var type = call.P.GetValueOrDefault("type");
        var list = new List<object>();
        if (type is null or "node") list.Add(NodeEntry());
        if (type is null or "storage")
        {
            list.Add(new Dictionary<string, object?>
            {
                ["id"] = $"storage/{options.Node}/local", ["type"] = "storage", ["storage"] = "local", ["node"] = options.Node,
                ["status"] = "available", ["plugintype"] = "dir", ["content"] = "images,iso,rootdir,vztmpl", ["shared"] = 0,
            });
        }
        if (type is null or "vm") list.AddRange(Store.All().Where(Sees).Select(ResourceEntry));
        return list;
    }

    private Dictionary<string, object?> ResourceEntry(EmuGuest g)
    {
        var running = g.Status == "running";
        var e = new Dictionary<string, object?>
        {
            ["id"] = $"{g.Kind}/{g.VmId}", ["type"] = g.Kind, ["vmid"] = g.VmId, ["node"] = options.Node, ["name"] = g.Name,
            ["status"] = g.Status, ["template"] = g.Template ? 1 : 0, ["maxcpu"] = g.Cpus, ["maxmem"] = g.MaxMemBytes,
            ["mem"] = !running ? 0 : g.Kind == "lxc" ? containers.Usage(g)?.MemBytes ?? 0 : runtime.Usage(g).MemBytes, ["cpu"] = g.LastCpuSample?.Cpu ?? 0, ["maxdisk"] = 3L << 30, ["disk"] = 0,
            ["uptime"] = running ? (long)(DateTime.UtcNow - g.StartedAt).TotalSeconds : 0, ["netin"] = 0, ["netout"] = 0,
            ["diskread"] = 0, ["diskwrite"] = 0,
        };
        if (g.Config.TryGetValue("tags", out var tags)) e["tags"] = tags;
        if (g.Lock is { } l) e["lock"] = l;
        return e;
    }

    private Dictionary<string, object?> NodeEntry() => new()
    {
        ["id"] = $"node/{options.Node}", ["type"] = "node", ["node"] = options.Node, ["status"] = "online",
        ["maxcpu"] = Environment.ProcessorCount, ["maxmem"] = HostMemory().Total, ["level"] = "",
    };

    private object NodeStatus(ApiCall call)
    {
        Need($"/nodes/{options.Node}", "Sys.Audit");
        var (total, free) = HostMemory();
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        return new Dictionary<string, object?>
        {
            ["pveversion"] = "pve-manager/9.0.3/0e0e0e0e", ["kversion"] = $"Linux {kernel} (emulated PVE node)",
            ["cpuinfo"] = new Dictionary<string, object> { ["model"] = model, ["cpus"] = Environment.ProcessorCount, ["cores"] = Environment.ProcessorCount, ["sockets"] = 1 },
            ["memory"] = new Dictionary<string, object> { ["total"] = total, ["free"] = free, ["used"] = total - free },
            ["uptime"] = (long)(Environment.TickCount64 / 1000), ["cpu"] = NodeBusy.Read(),
        };
    }

    private object? TaskEndpoint(ApiCall call, string upid, string what)
    {
        var t = Tasks.Get(upid);
        // Reading someone else's task needs Sys.Audit on the node; one's own tasks are always readable.
        if (t.User != call.User) Need($"/nodes/{options.Node}", "Sys.Audit");
        if (what == "status")
        {
            var s = new Dictionary<string, object?>
            {
                ["upid"] = t.Upid, ["node"] = t.Node, ["pid"] = t.Pid, ["pstart"] = t.PStart, ["starttime"] = t.StartTime,
                ["type"] = t.Type, ["id"] = t.Id, ["user"] = t.User.Split('!')[0], ["tokenid"] = t.User.Split('!')[1],
                ["status"] = t.Running ? "running" : "stopped",
            };
            if (!t.Running) s["exitstatus"] = t.ExitStatus;
            return s;
        }
        var start = int.TryParse(call.P.GetValueOrDefault("start"), out var st) ? st : 0;
        var limit = int.TryParse(call.P.GetValueOrDefault("limit"), out var li) ? li : 50;
        return t.Lines().Select((line, i) => new Dictionary<string, object> { ["n"] = i + 1, ["t"] = line }).Skip(start).Take(limit).ToList();
    }

    private static (long Total, long Free) HostMemory()
    {
        long Field(string name) => long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith(name, StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return (Field("MemTotal:"), Field("MemAvailable:"));
    }

    [GeneratedRegex(@"^nodes/(?<node>[^/]+)(?<rest>/.*)?$")]
    private static partial Regex NodePath();

    [GeneratedRegex(@"^/tasks/(?<upid>[^/]+)/(?<what>status|log)$")]
    private static partial Regex TaskPath();

    [GeneratedRegex(@"^/(?<kind>qemu|lxc)/(?<vmid>[0-9]{1,9})(?<rest>/.*)?$")]
    private static partial Regex GuestPath();
}
