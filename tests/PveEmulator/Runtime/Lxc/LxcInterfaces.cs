using System.Text.Json.Nodes;

namespace PveEmulator.Runtime.Lxc;

/// <summary>
/// GET /nodes/{node}/lxc/{vmid}/interfaces as pve-container's PVE::LXC::get_interfaces builds it from
/// 'ip --json a' run in the container's network namespace: per interface name, hwaddr and hardware-address, the
/// legacy inet/inet6 "address/prefix" fields (the last address of each family wins, as there), and ip-addresses
/// whose ip-address-type is ip's own family word, inet or inet6.
/// </summary>
public static class LxcInterfaces
{
    /// <param name="ipJson">What 'ip --json a' printed.</param>
    /// <param name="engineAddress">The container's address on the Docker network, which the host's SSH client is not given.</param>
    /// <param name="published">The loopback address its SSH is published on: the one rewrite (docs/pve-emulator.md).</param>
    public static JsonNode FromIpJson(JsonNode ipJson, string? engineAddress, string published)
    {
        var result = new JsonArray();
        foreach (var nic in ipJson.AsArray())
        {
            if (nic is null) continue;
            var name = nic["ifname"]?.GetValue<string>() ?? "";
            var o = new JsonObject { ["name"] = name };
            var list = new JsonArray();
            foreach (var a in nic["addr_info"]?.AsArray() ?? [])
            {
                var family = a?["family"]?.GetValue<string>();
                var local = a?["local"]?.GetValue<string>();
                var prefix = a?["prefixlen"]?.GetValue<int>() ?? 0;
                if (family is null || local is null) continue;
                if (name != "lo" && family == "inet" && local == engineAddress) local = published;
                o[family] = $"{local}/{prefix}";
                list.Add(new JsonObject { ["ip-address-type"] = family, ["ip-address"] = local, ["prefix"] = prefix });
            }
            o["ip-addresses"] = list;
            var mac = nic["address"]?.GetValue<string>();
            o["hardware-address"] = mac;
            o["hwaddr"] = mac;
            result.Add(o);
        }
        return result;
    }
}
