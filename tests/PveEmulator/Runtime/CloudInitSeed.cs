using System.Security.Cryptography;
using System.Text;

namespace PveEmulator.Runtime;

/// <summary>
/// The NoCloud seed PVE writes to a VM's cloud-init drive (an ISO labelled 'cidata'), from ciuser, sshkeys, ipconfig0
/// and the name, in the shape qemu-server's Cloudinit.pm gives user-data, meta-data and network-config (version 1).
/// </summary>
public static class CloudInitSeed
{
    public static (string UserData, string MetaData, string NetworkConfig) Render(EmuGuest g, string mac)
    {
        var c = g.Config;
        var host = g.Name ?? $"VM{g.VmId}";
        var ud = new StringBuilder("#cloud-config\n");
        ud.Append($"hostname: {host}\nmanage_etc_hosts: true\n");
        if (c.TryGetValue("ciuser", out var user)) ud.Append($"user: {user}\n");
        if (c.TryGetValue("sshkeys", out var keys))
        {
            ud.Append("ssh_authorized_keys:\n");
            foreach (var k in ConfigRules.DecodeSshKeys(keys).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                ud.Append($"  - {k}\n");
            }
        }
        ud.Append("chpasswd:\n  expire: False\nusers:\n  - default\n");
        ud.Append($"package_upgrade: {(c.GetValueOrDefault("ciupgrade", "1") == "1" ? "true" : "false")}\n");

        var net = new StringBuilder("version: 1\nconfig:\n");
        net.Append($"    - type: physical\n      name: eth0\n      mac_address: '{mac.ToLowerInvariant()}'\n      subnets:\n");
        var ip = c.GetValueOrDefault("ipconfig0", "ip=dhcp").Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);
        var v4 = ip.GetValueOrDefault("ip", "dhcp");
        if (v4 == "dhcp") net.Append("      - type: dhcp4\n");
        else if (v4 != "manual")
        {
            net.Append($"      - type: static\n        address: '{v4}'\n");
            if (ip.TryGetValue("gw", out var gw)) net.Append($"        gateway: '{gw}'\n");
        }
        // As PVE: the instance id is a digest of what it seeds, so a changed config is a new instance for cloud-init.
        var id = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(ud.ToString() + net)));
        return (ud.ToString(), $"instance-id: {id}\n", net.ToString());
    }

    public static async Task BuildAsync(EmuGuest g, string mac, string dir, string iso, CancellationToken cancellationToken)
    {
        var (userData, metaData, networkConfig) = Render(g, mac);
        var src = Path.Combine(dir, "cidata");
        Directory.CreateDirectory(src);
        await File.WriteAllTextAsync(Path.Combine(src, "user-data"), userData, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(src, "meta-data"), metaData, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(src, "network-config"), networkConfig, cancellationToken).ConfigureAwait(false);
        string[] files = [Path.Combine(src, "user-data"), Path.Combine(src, "meta-data"), Path.Combine(src, "network-config")];
        var tool = File.Exists("/usr/bin/genisoimage") ? "/usr/bin/genisoimage" : "/usr/bin/xorrisofs";
        await ProcessRunner.RunAsync(tool, ["-quiet", "-output", iso, "-volid", "cidata", "-joliet", "-rock", .. files],
            TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }
}
