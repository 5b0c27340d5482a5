using System.Text.Json;
using System.Text.Json.Nodes;

namespace PveEmulator;

/// <summary>What a preflight check (the harness's doctor) reads: the token's privileges, storages, bridges, API schema.</summary>
public sealed partial class PveApi
{
    /// <summary>What "ALL" stands for: the privileges of PVE 9 that the harness's runs and checks can ask about.</summary>
    public static readonly IReadOnlyList<string> AllPrivileges =
    [
        "Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate", "Datastore.Audit", "SDN.Audit", "SDN.Use",
        "Sys.Audit", "Sys.Modify", "VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM", "VM.Config.CPU",
        "VM.Config.Cloudinit", "VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory", "VM.Config.Network", "VM.Config.Options",
        "VM.Console", "VM.GuestAgent.Audit", "VM.GuestAgent.FileRead", "VM.GuestAgent.FileWrite", "VM.GuestAgent.FileSystemMgmt",
        "VM.GuestAgent.Unrestricted", "VM.Migrate", "VM.PowerMgmt", "VM.Snapshot",
    ];

    private object? Preflight(ApiCall call, string rest)
    {
        // The emulator's token holds its privileges on every path ('/' with propagation), so each path answers alike.
        if (rest == "access/permissions")
        {
            var path = call.P.GetValueOrDefault("path") ?? "/";
            var held = (options.Privileges ?? AllPrivileges.ToHashSet()).Order(StringComparer.Ordinal).ToDictionary(p => p, _ => 1);
            return new Dictionary<string, object> { [path] = held };
        }
        if (rest == "/storage")
        {
            // PVE lists only the storages the token may see (Datastore.Audit or .AllocateSpace on them).
            if (!Has("Datastore.Audit") && !Has("Datastore.AllocateSpace")) return Array.Empty<object>();
            return new[]
            {
                new Dictionary<string, object>
                {
                    ["storage"] = "local", ["type"] = "dir", ["content"] = "images,iso,rootdir,vztmpl", ["active"] = 1, ["enabled"] = 1,
                    ["shared"] = 0, ["total"] = 100L << 30, ["used"] = 10L << 30, ["avail"] = 90L << 30,
                },
            };
        }
        if (rest == "/network")
        {
            // vmbr0 is a name only: the guests' real network is QEMU's user mode (docs/pve-emulator.md).
            Need($"/nodes/{options.Node}", "Sys.Audit");
            return new[]
            {
                new Dictionary<string, object> { ["iface"] = "vmbr0", ["type"] = "bridge", ["active"] = 1, ["autostart"] = 1, ["method"] = "manual", ["families"] = new[] { "inet" } },
            };
        }
        return null;
    }

    /// <summary>
    /// The API viewer's script as a node with pve-docs serves it, made from the schema file the emulator validates
    /// with (a subset of the real one), so a preflight check compares against what this node enforces.
    /// </summary>
    public static string ApiDocJs(string schemaFile)
    {
        var paths = JsonNode.Parse(File.ReadAllText(schemaFile))!["paths"]!.AsObject();
        var tree = new JsonArray();
        foreach (var (path, methods) in paths)
        {
            tree.Add(new JsonObject { ["path"] = path, ["text"] = path.Split('/')[^1], ["leaf"] = 1, ["info"] = methods!.DeepClone() });
        }
        return $"// emulated node: the subset schema it enforces\nconst apiSchema = {tree.ToJsonString(new JsonSerializerOptions { WriteIndented = false })};\n";
    }
}
