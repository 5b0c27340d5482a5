using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.Configuration;

/// <summary>Kind of guest the Proxmox backend provisions.</summary>
public enum PveGuestKind
{
    /// <summary>QEMU/KVM virtual machine, cloned from a cloud-init template.</summary>
    Vm,

    /// <summary>LXC container, created from a container template archive.</summary>
    Lxc,
}

/// <summary>
/// Settings of the Proxmox VE backend, validated before anything is created. Read from <c>HARNESS_PVE_*</c>
/// (and the <c>RUNSETTINGS_HARNESS_PVE_*</c> layer, the environment wins), like <see cref="OptionsLoader"/>.
/// The token secret comes only from the environment and is never printed: <see cref="ToString"/> leaves it out.
/// </summary>
public sealed partial record PveOptions
{
    public const string SecretVariable = OptionsLoader.EnvPrefix + "PVE_TOKEN_SECRET";

    /// <summary>Base URL of one node's API, e.g. https://pve1.example:8006 (the /api2/json suffix is optional).</summary>
    public required Uri Url { get; init; }

    /// <summary>Nodes the guests are spread over, round robin.</summary>
    public required IReadOnlyList<string> Nodes { get; init; }

    /// <summary>API token id, <c>user@realm!name</c>.</summary>
    public required string TokenId { get; init; }

    /// <summary>The token's secret (a UUID). Environment only; never logged.</summary>
    public required string TokenSecret { get; init; }

    /// <summary>SHA-256 fingerprint of the node's TLS certificate, <c>AA:BB:…</c>; null means ordinary chain validation.</summary>
    public string? Fingerprint { get; init; }

    public PveGuestKind Kind { get; init; } = PveGuestKind.Vm;

    /// <summary>VM: VMIDs of cloud-init templates (one per node, or one on shared storage).</summary>
    public IReadOnlyList<int> TemplateIds { get; init; } = [];

    /// <summary>LXC: volume id of the container template archive, e.g. <c>local:vztmpl/harness-guest.tar.zst</c>.</summary>
    public string? OsTemplate { get; init; }

    /// <summary>Storage for full clones (VM) or root disks (LXC); null keeps the template's storage.</summary>
    public string? Storage { get; init; }

    /// <summary>Bridge for the guest's first NIC; null keeps the template's NIC (VM only).</summary>
    public string? Bridge { get; init; }

    public bool FullClone { get; init; }

    /// <summary>Inclusive VMID range to allocate from; null asks the cluster (/cluster/nextid).</summary>
    public (int First, int Last)? VmidRange { get; init; }

    public int Cores { get; init; } = 1;

    public int MemoryMiB { get; init; } = 1024;

    /// <summary>PVE cpulimit (host cores); 0 = no limit.</summary>
    public double CpuLimit { get; init; }

    public int CpuUnits { get; init; } = 100;

    /// <summary>User cloud-init creates (VM) and the harness logs in as.</summary>
    public string SshUser { get; init; } = "root";

    /// <summary>LXC root disk size.</summary>
    public int DiskGiB { get; init; } = 4;

    /// <summary>Longest wait for one PVE task (clone, start, stop, destroy).</summary>
    public TimeSpan TaskTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait from start until the guest has an address and answers SSH.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First poll interval for tasks and boot; grows for tasks. Not a setting: tests shorten it.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Clones in flight at once; PVE's storage and config locks make more than 2 fail.</summary>
    public int CloneConcurrency { get; init; } = 1;

    public static PveOptions Load() => Load(OptionsLoader.ReadEnvironment());

    public static PveOptions Load(IReadOnlyDictionary<string, string> env)
    {
        var values = new Dictionary<string, (string Value, string Source)>(StringComparer.Ordinal);
        var problems = new List<string>();
        var known = Settings.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, value, key, fromRunSettings) in OptionsLoader.Layered(env))
        {
            if (!name.StartsWith("PVE_", StringComparison.Ordinal)) continue;
            if (!known.Contains(name))
            {
                problems.Add($"{key}: unknown setting. Known Proxmox settings: {string.Join(", ", known)} (prefix {OptionsLoader.EnvPrefix}).");
                continue;
            }
            if (name == "PVE_TOKEN_SECRET" && fromRunSettings)
            {
                // runsettings.xml is a file in the repository; a secret there would be committed sooner or later.
                problems.Add($"{key}: the token secret is read from the environment only. Remove it from runsettings and export {SecretVariable} instead.");
                continue;
            }
            if (value.Trim().Length > 0) values[name] = (value.Trim(), key);
        }

        string? Text(string name) => values.TryGetValue(name, out var v) ? v.Value : null;
        string Source(string name) => values.TryGetValue(name, out var v) ? v.Source : OptionsLoader.EnvPrefix + name;
        string Required(string name, string fix)
        {
            var t = Text(name);
            if (t is null) problems.Add($"{OptionsLoader.EnvPrefix}{name}: missing. {fix}");
            return t ?? "";
        }

        int Integer(string name, int fallback, int min, int max, string hint)
        {
            var t = Text(name);
            if (t is null) return fallback;
            if (int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
            problems.Add($"{Source(name)}: '{t}' is not valid. Use {hint}.");
            return fallback;
        }

        var urlText = Required("PVE_URL", "Set it to one node's API address, e.g. https://pve1.example.org:8006.");
        Uri? url = null;
        if (urlText.Length > 0)
        {
            if (Uri.TryCreate(urlText, UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttps && u.UserInfo.Length == 0) url = u;
            else problems.Add($"{Source("PVE_URL")}: '{urlText}' is not an https URL. Use https://HOST:8006 (PVE serves its API over TLS only).");
        }

        var nodes = Required("PVE_NODES", "Set it to the node name(s) as shown in the GUI, comma-separated, e.g. pve1 or pve1,pve2.")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var n in nodes.Where(n => !NodeName().IsMatch(n)))
        {
            problems.Add($"{Source("PVE_NODES")}: '{n}' is not a node name. Use letters, digits and '-' only.");
        }

        var tokenId = Required("PVE_TOKEN_ID", "Create a token (Datacenter > Permissions > API Tokens) and set user@realm!tokenname.");
        if (tokenId.Length > 0 && !TokenIdPattern().IsMatch(tokenId))
        {
            problems.Add($"{Source("PVE_TOKEN_ID")}: '{tokenId}' is not a token id. Use user@realm!tokenname, e.g. harness@pve!ci (the secret goes in {SecretVariable}).");
        }

        var secret = Text("PVE_TOKEN_SECRET");
        if (secret is null)
        {
            problems.Add($"{SecretVariable}: missing. Export the token's secret (the UUID shown once when the token was created) in the environment.");
        }
        else if (secret is not null && (secret.Contains('=') || secret.Any(char.IsWhiteSpace)))
        {
            problems.Add($"{SecretVariable}: malformed (value not shown). Use only the secret UUID, not the whole 'user@realm!name=secret' string.");
        }

        var fingerprint = Text("PVE_FINGERPRINT");
        if (fingerprint is not null)
        {
            if (FingerprintPattern().IsMatch(fingerprint)) fingerprint = fingerprint.ToUpperInvariant();
            else
            {
                problems.Add($"{Source("PVE_FINGERPRINT")}: '{fingerprint}' is not a SHA-256 fingerprint. Use 32 colon-separated hex pairs AA:BB:..., as printed by 'pvenode cert info' (or GET /nodes ssl_fingerprint).");
                fingerprint = null;
            }
        }

        var kind = PveGuestKind.Vm;
        if (Text("PVE_GUEST_KIND") is { } kindText)
        {
            if (kindText.Equals("vm", StringComparison.OrdinalIgnoreCase) || kindText.Equals("qemu", StringComparison.OrdinalIgnoreCase)) kind = PveGuestKind.Vm;
            else if (kindText.Equals("lxc", StringComparison.OrdinalIgnoreCase) || kindText.Equals("ct", StringComparison.OrdinalIgnoreCase)) kind = PveGuestKind.Lxc;
            else problems.Add($"{Source("PVE_GUEST_KIND")}: unknown value '{kindText}'. Use one of: vm, lxc.");
        }

        var templateText = Required("PVE_TEMPLATE", "Set the VMID(s) of the cloud-init template (vm) or the template volume id (lxc); see docs/proxmox.md.");
        var templateIds = new List<int>();
        string? osTemplate = null;
        if (templateText.Length > 0)
        {
            if (kind == PveGuestKind.Vm)
            {
                foreach (var t in templateText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id is >= 100 and <= 999_999_999) templateIds.Add(id);
                    else problems.Add($"{Source("PVE_TEMPLATE")}: '{t}' is not a VMID. For vm guests use template VMIDs (100..999999999), comma-separated.");
                }
            }
            else if (VolumeId().IsMatch(templateText)) osTemplate = templateText;
            else problems.Add($"{Source("PVE_TEMPLATE")}: '{templateText}' is not a volume id. For lxc guests use STORAGE:vztmpl/FILE, e.g. local:vztmpl/harness-guest.tar.zst.");
        }

        var storage = Text("PVE_STORAGE");
        if (storage is not null && !StorageId().IsMatch(storage))
        {
            problems.Add($"{Source("PVE_STORAGE")}: '{storage}' is not a storage id. Use the id shown under Datacenter > Storage, e.g. local-lvm.");
        }
        if (kind == PveGuestKind.Lxc && storage is null)
        {
            problems.Add($"{OptionsLoader.EnvPrefix}PVE_STORAGE: missing. lxc guests need a storage for their root disk, e.g. local-lvm.");
        }

        var bridge = Text("PVE_BRIDGE");
        if (bridge is not null && !StorageId().IsMatch(bridge))
        {
            problems.Add($"{Source("PVE_BRIDGE")}: '{bridge}' is not a bridge name. Use e.g. vmbr0.");
        }

        var full = false;
        if (Text("PVE_CLONE_MODE") is { } mode)
        {
            if (mode.Equals("full", StringComparison.OrdinalIgnoreCase)) full = true;
            else if (!mode.Equals("linked", StringComparison.OrdinalIgnoreCase)) problems.Add($"{Source("PVE_CLONE_MODE")}: unknown value '{mode}'. Use one of: linked, full.");
        }
        if (storage is not null && kind == PveGuestKind.Vm && !full)
        {
            problems.Add($"{Source("PVE_STORAGE")}: a storage can only be chosen for full clones (PVE refuses it for linked ones). Set {OptionsLoader.EnvPrefix}PVE_CLONE_MODE=full or unset {OptionsLoader.EnvPrefix}PVE_STORAGE.");
        }

        (int, int)? range = null;
        if (Text("PVE_VMID_RANGE") is { } rangeText)
        {
            var parts = rangeText.Split('-', StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var a)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var b) && a >= 100 && b >= a && b <= 999_999_999)
            {
                range = (a, b);
            }
            else problems.Add($"{Source("PVE_VMID_RANGE")}: '{rangeText}' is not a range. Use FIRST-LAST with 100 <= FIRST <= LAST, e.g. 9100-9199.");
        }

        var cpuLimit = 0.0;
        if (Text("PVE_CPULIMIT") is { } limitText)
        {
            if (double.TryParse(limitText, NumberStyles.Float, CultureInfo.InvariantCulture, out var l) && l is >= 0 and <= 128) cpuLimit = l;
            else problems.Add($"{Source("PVE_CPULIMIT")}: '{limitText}' is not valid. Use host cores from 0 (no limit) to 128, e.g. 0.5.");
        }

        var options = new PveOptions
        {
            Url = url ?? new Uri("https://invalid.invalid:8006"),
            Nodes = nodes,
            TokenId = tokenId,
            TokenSecret = secret ?? "",
            Fingerprint = fingerprint,
            Kind = kind,
            TemplateIds = templateIds,
            OsTemplate = osTemplate,
            Storage = storage,
            Bridge = bridge ?? (kind == PveGuestKind.Lxc ? "vmbr0" : null),
            FullClone = full,
            VmidRange = range,
            Cores = Integer("PVE_CORES", 1, 1, 512, "a whole number of vCPUs, 1 to 512"),
            MemoryMiB = Integer("PVE_MEMORY_MIB", 1024, 64, 4 << 20, "MiB, at least 64"),
            CpuLimit = cpuLimit,
            CpuUnits = Integer("PVE_CPUUNITS", 100, 1, 262144, "a weight from 1 to 262144 (PVE clamps to 10000 on cgroup v2)"),
            SshUser = Text("PVE_SSH_USER") is { } user && UserName().IsMatch(user) ? user
                : Text("PVE_SSH_USER") is { } badUser ? Bad(problems, Source("PVE_SSH_USER"), badUser, "a Linux user name, e.g. root or debian") : "root",
            DiskGiB = Integer("PVE_DISK_GIB", 4, 1, 1024, "GiB, 1 to 1024"),
            TaskTimeout = TimeSpan.FromSeconds(Integer("PVE_TASK_TIMEOUT_SECONDS", 300, 5, 24 * 3600, "seconds, 5 to 86400")),
            BootTimeout = TimeSpan.FromSeconds(Integer("PVE_BOOT_TIMEOUT_SECONDS", 300, 5, 24 * 3600, "seconds, 5 to 86400")),
            CloneConcurrency = Integer("PVE_CLONE_CONCURRENCY", 1, 1, 2, "1 or 2 (parallel clones hit PVE's storage locks)"),
        };
        if (kind == PveGuestKind.Lxc && options.SshUser != "root")
        {
            // PVE writes a container's ssh-public-keys into root's authorized_keys only; any other user has no key to log in with.
            problems.Add($"{Source("PVE_SSH_USER")}: '{options.SshUser}' cannot log in to lxc guests: PVE installs the run's SSH key (ssh-public-keys) for root only. Unset {OptionsLoader.EnvPrefix}PVE_SSH_USER (or set it to root) for {OptionsLoader.EnvPrefix}PVE_GUEST_KIND=lxc.");
        }
        if (problems.Count > 0) throw new HarnessConfigurationException(problems);
        return options;
    }

    /// <summary>CPUs the guest may use: its vCPUs, or fewer when cpulimit caps it.</summary>
    public double EffectiveCpus => CpuLimit > 0 ? Math.Min(Cores, CpuLimit) : Cores;

    /// <summary>Everything but the secret, so options can be logged.</summary>
    public override string ToString() =>
        $"PveOptions {{ Url = {Url}, Nodes = {string.Join(",", Nodes)}, TokenId = {TokenId}, TokenSecret = (hidden), Fingerprint = {Fingerprint ?? "(none)"}, " +
        $"Kind = {Kind}, Template = {(Kind == PveGuestKind.Vm ? string.Join(",", TemplateIds) : OsTemplate)}, Storage = {Storage ?? "(template's)"}, " +
        $"Bridge = {Bridge ?? "(template's)"}, FullClone = {FullClone}, VmidRange = {(VmidRange is { } r ? $"{r.First}-{r.Last}" : "(nextid)")}, " +
        $"Cores = {Cores}, MemoryMiB = {MemoryMiB}, CpuLimit = {CpuLimit.ToString(CultureInfo.InvariantCulture)}, CpuUnits = {CpuUnits} }}";

    private static string Bad(List<string> problems, string source, string value, string hint)
    {
        problems.Add($"{source}: '{value}' is not valid. Use {hint}.");
        return "root";
    }
}
