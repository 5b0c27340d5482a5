using System.Text.Json;
using System.Text.Json.Serialization;
using Harness.Configuration;

namespace Harness.Testbeds.Static;

/// <summary>One existing guest, as listed in the static settings file.</summary>
public sealed record StaticGuestSpec
{
    public string? Name { get; init; }

    public string Host { get; init; } = "";

    public int Port { get; init; } = 22;

    public string User { get; init; } = "root";

    public double Cpus { get; init; }

    public long MemoryMiB { get; init; }

    /// <summary>OpenSSH SHA256 host key fingerprint ("SHA256:…"); required, the harness never trusts an unknown key here.</summary>
    public string HostKey { get; init; } = "";
}

/// <summary>
/// Settings of the static backend: guests that already exist on any hypervisor (ESXi, Hyper-V, VirtualBox, …),
/// listed in a JSON file (<c>HARNESS_STATIC_FILE</c>); the private key they trust comes from <c>HARNESS_STATIC_SSH_KEY</c> (PEM text).
/// </summary>
public sealed record StaticTestbedOptions(IReadOnlyList<StaticGuestSpec> Guests, string PrivateKeyPem, string SourceFile)
{
    public const string FileVariable = "HARNESS_STATIC_FILE";
    public const string KeyVariable = "HARNESS_STATIC_SSH_KEY";

    public static readonly IReadOnlyList<Setting> Settings =
    [
        new("STATIC_FILE", "JSON file listing existing guests: host, port, user, cpus, memoryMiB, hostKey (SHA256:...)", "(required for the static backend)"),
        new("STATIC_SSH_KEY", "PEM private key those guests trust (environment only, never printed)", "(required for the static backend)", Secret: true),
    ];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static StaticTestbedOptions Load(IReadOnlyDictionary<string, string> env)
    {
        var reader = Backends.Reader(env);
        var options = Load(reader);
        reader.ThrowIfProblems();
        return options;
    }

    internal static StaticTestbedOptions Load(SettingsReader reader)
    {
        var problems = new List<string>();
        var file = reader.Text("STATIC_FILE");
        var pem = reader.Text("STATIC_SSH_KEY");
        if (pem is null) reader.Problem("STATIC_SSH_KEY", "missing. Export the PEM text of the private key the guests trust (e.g. KEY=\"$(cat ~/.ssh/harness_ecdsa)\").");
        else if (!pem.Contains("PRIVATE KEY-----", StringComparison.Ordinal)) reader.Problem("STATIC_SSH_KEY", "not a PEM private key (value not shown). Export the key file's text, starting with -----BEGIN.");
        var guests = new List<StaticGuestSpec>();
        if (file is null) reader.Problem("STATIC_FILE", "missing. Point it at a JSON file listing the guests; see docs/proxmox.md (static backend).");
        else if (!File.Exists(file)) reader.Problem("STATIC_FILE", $"file '{Path.GetFullPath(file)}' does not exist.");
        else
        {
            try
            {
                guests = Parse(File.ReadAllText(file), problems, file);
            }
            catch (JsonException e)
            {
                problems.Add($"{reader.Source("STATIC_FILE")}: '{file}' is not valid: {e.Message}");
            }
        }
        foreach (var p in problems) reader.Problem("STATIC_FILE", p);
        return new StaticTestbedOptions(guests, pem ?? "", file ?? "");
    }

    internal static List<StaticGuestSpec> Parse(string json, List<string> problems, string source)
    {
        var doc = JsonSerializer.Deserialize<FileShape>(json, Json) ?? new FileShape();
        var guests = doc.Guests ?? [];
        if (guests.Count == 0) problems.Add($"{source}: no guests listed. Add {{\"guests\": [{{\"host\": ..., \"hostKey\": \"SHA256:...\", ...}}]}}.");
        for (var i = 0; i < guests.Count; i++)
        {
            var g = guests[i];
            var where = $"{source}: guests[{i}]";
            if (string.IsNullOrWhiteSpace(g.Host)) problems.Add($"{where}: host missing.");
            if (g.Port is < 1 or > 65535) problems.Add($"{where}: port {g.Port} is out of range; use 1..65535.");
            if (g.Cpus <= 0) problems.Add($"{where}: cpus missing; give the vCPUs the hypervisor allocated to it, e.g. 1.");
            if (g.MemoryMiB < 64) problems.Add($"{where}: memoryMiB missing or below 64; give the memory allocated to it, e.g. 1024.");
            if (!g.HostKey.StartsWith("SHA256:", StringComparison.Ordinal) || g.HostKey.Length < 40)
            {
                problems.Add($"{where}: hostKey must be the pinned SHA256 fingerprint (run 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' on the guest).");
            }
        }
        return guests;
    }

    public override string ToString() => $"StaticTestbedOptions {{ Guests = {Guests.Count}, SourceFile = {SourceFile}, PrivateKey = (hidden) }}";

    private sealed class FileShape
    {
        public List<StaticGuestSpec>? Guests { get; init; }
    }
}
