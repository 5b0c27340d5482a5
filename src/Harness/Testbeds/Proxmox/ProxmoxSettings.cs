using System.Globalization;
using System.Text.RegularExpressions;
using Harness.Configuration;

namespace Harness.Testbeds.Proxmox;

/// <summary>The Proxmox backend's settings table and their loader, checked before anything is created.</summary>
public static partial class ProxmoxSettings
{
    public static readonly IReadOnlyList<Setting> Table =
    [
        new("PVE_URL", "Proxmox VE API URL of one node, https://HOST:8006", "(required)"),
        new("PVE_NODES", "comma-separated node names the guests are spread over (round robin)", "(required)"),
        new("PVE_TOKEN_ID", "API token id, user@realm!tokenname", "(required)"),
        new("PVE_TOKEN_SECRET", "API token secret (environment only, never printed)", "(required)", Secret: true),
        new("PVE_FINGERPRINT", "SHA-256 fingerprint AA:BB:... of the node's TLS certificate (pvenode cert info); unset = normal CA validation", "(none)"),
        new("PVE_GUEST_KIND", "vm or lxc", "vm"),
        new("PVE_TEMPLATE", "vm: comma-separated template VMIDs; lxc: container template volume id, e.g. local:vztmpl/harness-guest.tar.zst", "(required)"),
        new("PVE_STORAGE", "storage for full clones (vm) or root disks (lxc)", "(template's; lxc: required)"),
        new("PVE_BRIDGE", "bridge of the guest's first NIC", "(template's; lxc: vmbr0)"),
        new("PVE_CLONE_MODE", "linked or full (vm)", "linked"),
        new("PVE_VMID_RANGE", "VMIDs to use, FIRST-LAST", "(ask /cluster/nextid)"),
        new("PVE_CORES", "vCPUs per guest", "1"),
        new("PVE_MEMORY_MIB", "memory per guest, MiB", "1024"),
        new("PVE_CPULIMIT", "cpulimit per guest in host cores, 0 = none", "0"),
        new("PVE_CPUUNITS", "cpuunits (CPU weight) per guest", "100"),
        new("PVE_SSH_USER", "user cloud-init creates and the harness logs in as", "root"),
        new("PVE_DISK_GIB", "lxc root disk size, GiB", "4"),
        new("PVE_TASK_TIMEOUT_SECONDS", "longest wait for one PVE task (clone, start, stop, destroy)", "300"),
        new("PVE_BOOT_TIMEOUT_SECONDS", "longest wait from start until the guest answers SSH", "300"),
        new("PVE_CLONE_CONCURRENCY", "clones in flight at once, 1 or 2", "1"),
    ];

    public static PveOptions Load(SettingsReader r)
    {
        var url = Url(r);
        var nodes = r.Required("PVE_NODES", "Set it to the node name(s) as shown in the GUI, comma-separated, e.g. pve1 or pve1,pve2.")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var n in nodes.Where(n => !NodeName().IsMatch(n))) r.Problem("PVE_NODES", $"'{n}' is not a node name. Use letters, digits and '-' only.");

        var tokenId = r.Required("PVE_TOKEN_ID", "Create a token (Datacenter > Permissions > API Tokens) and set user@realm!tokenname.");
        if (tokenId.Length > 0 && !TokenIdPattern().IsMatch(tokenId))
        {
            // Not echoed: a whole 'user@realm!name=secret' pasted here would carry the secret into logs.
            r.Problem("PVE_TOKEN_ID", $"the value (not shown) is not a token id. Use user@realm!tokenname, e.g. harness@pve!ci (the secret goes in {PveOptions.SecretVariable}).");
        }
        var secret = r.Text("PVE_TOKEN_SECRET");
        if (secret is null)
        {
            r.Problem("PVE_TOKEN_SECRET", "missing. Export the token's secret (the UUID shown once when the token was created) in the environment.");
        }
        else if (secret is not null && (secret.Contains('=') || secret.Any(char.IsWhiteSpace)))
        {
            r.Problem("PVE_TOKEN_SECRET", "malformed (value not shown). Use only the secret UUID, not the whole 'user@realm!name=secret' string.");
        }

        var fingerprint = r.Text("PVE_FINGERPRINT");
        if (fingerprint is not null && !FingerprintPattern().IsMatch(fingerprint))
        {
            r.Problem("PVE_FINGERPRINT", $"'{fingerprint}' is not a SHA-256 fingerprint. Use 32 colon-separated hex pairs AA:BB:..., as printed by 'pvenode cert info' (or GET /nodes ssl_fingerprint).");
            fingerprint = null;
        }

        var kind = r.Choice("PVE_GUEST_KIND", PveGuestKind.Vm, ("vm", PveGuestKind.Vm), ("lxc", PveGuestKind.Lxc), ("qemu", PveGuestKind.Vm), ("ct", PveGuestKind.Lxc));
        var (templateIds, osTemplate) = Template(r, kind);
        var storage = Identifier(r, "PVE_STORAGE", "is not a storage id. Use the id shown under Datacenter > Storage, e.g. local-lvm.");
        if (kind == PveGuestKind.Lxc && storage is null) r.Problem("PVE_STORAGE", "missing. lxc guests need a storage for their root disk, e.g. local-lvm.");
        var bridge = Identifier(r, "PVE_BRIDGE", "is not a bridge name. Use e.g. vmbr0.");
        var full = r.Choice("PVE_CLONE_MODE", false, ("linked", false), ("full", true));
        if (storage is not null && kind == PveGuestKind.Vm && !full)
        {
            r.Problem("PVE_STORAGE", $"a storage can only be chosen for full clones (PVE refuses it for linked ones). Set {SettingsReader.EnvPrefix}PVE_CLONE_MODE=full or unset {SettingsReader.EnvPrefix}PVE_STORAGE.");
        }
        var user = r.Text("PVE_SSH_USER") ?? "root";
        if (!UserName().IsMatch(user))
        {
            r.Problem("PVE_SSH_USER", $"'{user}' is not valid. Use a Linux user name, e.g. root or debian.");
            user = "root";
        }
        if (kind == PveGuestKind.Lxc && user != "root")
        {
            // PVE writes a container's ssh-public-keys into root's authorized_keys only; any other user has no key to log in with.
            r.Problem("PVE_SSH_USER", $"'{user}' cannot log in to lxc guests: PVE installs the run's SSH key (ssh-public-keys) for root only. Unset {SettingsReader.EnvPrefix}PVE_SSH_USER (or set it to root) for {SettingsReader.EnvPrefix}PVE_GUEST_KIND=lxc.");
        }

        return new PveOptions
        {
            Url = url ?? new Uri("https://invalid.invalid:8006"),
            Nodes = nodes,
            TokenId = tokenId,
            TokenSecret = secret ?? "",
            Fingerprint = fingerprint?.ToUpperInvariant(),
            Kind = kind,
            TemplateIds = templateIds,
            OsTemplate = osTemplate,
            Storage = storage,
            Bridge = bridge ?? (kind == PveGuestKind.Lxc ? "vmbr0" : null),
            FullClone = full,
            VmidRange = VmidRange(r),
            Cores = r.Integer("PVE_CORES", 1, 1, 512, "a whole number of vCPUs, 1 to 512"),
            MemoryMiB = r.Integer("PVE_MEMORY_MIB", 1024, 64, 4 << 20, "MiB, at least 64"),
            CpuLimit = r.Number("PVE_CPULIMIT", 0, 0, 128, "host cores from 0 (no limit) to 128, e.g. 0.5"),
            CpuUnits = r.Integer("PVE_CPUUNITS", 100, 1, 262144, "a weight from 1 to 262144 (PVE clamps to 10000 on cgroup v2)"),
            SshUser = user,
            DiskGiB = r.Integer("PVE_DISK_GIB", 4, 1, 1024, "GiB, 1 to 1024"),
            TaskTimeout = TimeSpan.FromSeconds(r.Integer("PVE_TASK_TIMEOUT_SECONDS", 300, 5, 24 * 3600, "seconds, 5 to 86400")),
            BootTimeout = TimeSpan.FromSeconds(r.Integer("PVE_BOOT_TIMEOUT_SECONDS", 300, 5, 24 * 3600, "seconds, 5 to 86400")),
            CloneConcurrency = r.Integer("PVE_CLONE_CONCURRENCY", 1, 1, 2, "1 or 2 (parallel clones hit PVE's storage locks)"),
        };
    }

    private static Uri? Url(SettingsReader r)
    {
        var text = r.Required("PVE_URL", "Set it to one node's API address, e.g. https://pve1.example.org:8006.");
        if (text.Length == 0) return null;
        var parsed = Uri.TryCreate(text, UriKind.Absolute, out var u);
        if (parsed && u!.Scheme == Uri.UriSchemeHttps && u.UserInfo.Length == 0) return u;
        // A URL with user:password@ carries a credential: say so without echoing it.
        r.Problem("PVE_URL", parsed && u!.UserInfo.Length > 0
            ? $"the URL holds credentials (value not shown). Use https://HOST:8006 alone; the token goes in {SettingsReader.EnvPrefix}PVE_TOKEN_ID and {PveOptions.SecretVariable}."
            : $"'{text}' is not an https URL. Use https://HOST:8006 (PVE serves its API over TLS only).");
        return null;
    }

    private static (List<int> Ids, string? OsTemplate) Template(SettingsReader r, PveGuestKind kind)
    {
        var text = r.Required("PVE_TEMPLATE", "Set the VMID(s) of the cloud-init template (vm) or the template volume id (lxc); see docs/proxmox.md.");
        var ids = new List<int>();
        if (text.Length == 0) return (ids, null);
        if (kind == PveGuestKind.Lxc)
        {
            if (VolumeId().IsMatch(text)) return (ids, text);
            r.Problem("PVE_TEMPLATE", $"'{text}' is not a volume id. For lxc guests use STORAGE:vztmpl/FILE, e.g. local:vztmpl/harness-guest.tar.zst.");
            return (ids, null);
        }
        foreach (var t in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id is >= 100 and <= 999_999_999) ids.Add(id);
            else r.Problem("PVE_TEMPLATE", $"'{t}' is not a VMID. For vm guests use template VMIDs (100..999999999), comma-separated.");
        }
        return (ids, null);
    }

    private static string? Identifier(SettingsReader r, string name, string problem)
    {
        var text = r.Text(name);
        if (text is not null && !StorageId().IsMatch(text)) r.Problem(name, $"'{text}' {problem}");
        return text;
    }

    private static (int, int)? VmidRange(SettingsReader r)
    {
        if (r.Text("PVE_VMID_RANGE") is not { } text) return null;
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var a)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var b) && a >= 100 && b >= a && b <= 999_999_999)
        {
            return (a, b);
        }
        r.Problem("PVE_VMID_RANGE", $"'{text}' is not a range. Use FIRST-LAST with 100 <= FIRST <= LAST, e.g. 9100-9199.");
        return null;
    }

    [GeneratedRegex(@"^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?$")]
    private static partial Regex NodeName();

    [GeneratedRegex(@"^[^\s@!=]+@[^\s@!=]+![A-Za-z][A-Za-z0-9\.\-_]+$")]
    private static partial Regex TokenIdPattern();

    [GeneratedRegex(@"^([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}$")]
    private static partial Regex FingerprintPattern();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9\-_.]*:vztmpl/[^\s/]+$")]
    private static partial Regex VolumeId();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9\-_.]*$")]
    private static partial Regex StorageId();

    [GeneratedRegex(@"^[a-z_][a-z0-9_\-]*$")]
    private static partial Regex UserName();
}
