using System.Globalization;

namespace Harness.Reporting;

/// <summary>
/// One control or version behind a run's numbers, as it is kept in the testbed facts. A per-guest control's key is
/// <c>guest.&lt;name&gt;.&lt;suffix&gt;</c> (e.g. <c>guest.S1.cpu.weight</c>); a host's is the suffix itself.
/// </summary>
/// <param name="ChangesIsolation">
/// True for a control that sets how guests share the host (weights, quota, cpuset, memory, balloon, KSM, governor,
/// CPU model): two runs that differ in one are different experiments. False for versions (kernel, hypervisor,
/// load generator): comparing across them is exactly what an upgrade gate does.
/// </param>
public sealed record ProvenanceControl(string Suffix, string Label, bool PerGuest, bool ChangesIsolation)
{
    public static readonly ProvenanceControl CpuWeight = new("cpu.weight", "CPU weight (shares, cpuunits)", true, true);
    public static readonly ProvenanceControl CpuQuota = new("cpu.quota", "CPU quota (CPUs, cpulimit)", true, true);
    public static readonly ProvenanceControl CpuSet = new("cpu.set", "cpuset / affinity", true, true);
    public static readonly ProvenanceControl MemoryLimit = new("memory.limit_bytes", "memory limit (bytes)", true, true);
    public static readonly ProvenanceControl Balloon = new("memory.balloon", "balloon", true, true);
    public static readonly ProvenanceControl DiskLimit = new("disk.limit", "disk limit (bps, iops)", true, true);
    public static readonly ProvenanceControl GuestCpuModel = new("cpu.model", "CPU model", true, true);
    public static readonly ProvenanceControl Ksm = new("host.ksm", "KSM", false, true);
    public static readonly ProvenanceControl Governor = new("host.cpu.governor", "CPU governor", false, true);
    public static readonly ProvenanceControl HostCpuModel = new("host.cpu.model", "host CPU model", false, true);
    public static readonly ProvenanceControl Kernel = new("host.kernel", "kernel", false, false);
    public static readonly ProvenanceControl Docker = new("docker.version", "Docker", false, false);
    public static readonly ProvenanceControl Pve = new("pve.version", "pve-manager", false, false);
    public static readonly ProvenanceControl Qemu = new("qemu.version", "QEMU", false, false);
    public static readonly ProvenanceControl LoadGenerator = new("loadGeneratorVersion", "load generator", false, false);

    /// <summary>
    /// A scenario's guest sizes (schema 5): not a testbed fact but part of each scenario, since guests may differ in
    /// size from row to row; a CPU % is of the guest's own allocation, so other sizes make another experiment.
    /// </summary>
    public static readonly ProvenanceControl GuestSizes = new("sizes", "guest sizes", false, true);

    /// <summary>
    /// A harness setting that decides what is measured (results.json's settings, not a testbed fact): two runs that
    /// differ in one are different experiments, like two runs of other controls.
    /// </summary>
    public static ProvenanceControl Setting(string key, string label) => new("settings." + key, "setting " + label, false, true);

    public static IReadOnlyList<ProvenanceControl> All { get; } =
        [CpuWeight, CpuQuota, CpuSet, MemoryLimit, Balloon, DiskLimit, GuestCpuModel, Ksm, Governor, HostCpuModel, Kernel, Docker, Pve, Qemu, LoadGenerator];

    public string Key(string? guest) => PerGuest ? $"guest.{guest}.{Suffix}" : Suffix;
}

/// <summary>One control or version that is not the same in two runs; null = not recorded in that run.</summary>
public sealed record ProvenanceDifference(string? Guest, ProvenanceControl Control, string? Before, string? After)
{
    /// <summary>
    /// Whether this difference makes two runs different experiments. A control recorded on one side only does not:
    /// runs from before a control was recorded stay usable as baselines.
    /// </summary>
    public bool Refuses => Control.ChangesIsolation && Before is not null && After is not null;

    public override string ToString() =>
        $"{(Guest is null ? "" : Guest + " ")}{Control.Label} {Before ?? "(not recorded)"} → {After ?? "(not recorded)"}";
}

/// <summary>
/// The configuration behind a run's numbers: per guest the effective controls, per host the versions. It is read
/// from the testbed facts of results.json, so every schema-2 file carries it and an older run simply has fewer.
/// </summary>
public sealed class RunProvenance
{
    private readonly IReadOnlyDictionary<string, string> _facts;

    private RunProvenance(IReadOnlyDictionary<string, string> facts, IReadOnlyList<string> guests)
    {
        _facts = facts;
        Guests = guests;
    }

    /// <summary>Guests that have at least one control recorded, in name order.</summary>
    public IReadOnlyList<string> Guests { get; }

    public static RunProvenance Of(RunRecord run) => Of(run.Testbed);

    public static RunProvenance Of(IReadOnlyDictionary<string, string> testbedFacts)
    {
        var guests = testbedFacts.Keys
            .Select(k => k.Split('.'))
            .Where(p => p.Length > 2 && p[0] == "guest" && (p[2] == "config" || ProvenanceControl.All.Any(c => c.PerGuest && string.Join('.', p[2..]) == c.Suffix)))
            .Select(p => p[1])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();
        return new RunProvenance(testbedFacts, guests);
    }

    /// <summary>Whether a testbed fact is one of the provenance controls (so lists of other facts can leave it out).</summary>
    public static bool IsControlKey(string key) =>
        ProvenanceControl.All.Any(c => c.PerGuest ? key.StartsWith("guest.", StringComparison.Ordinal) && key.EndsWith("." + c.Suffix, StringComparison.Ordinal) : key == c.Suffix)
        || (key.StartsWith("guest.", StringComparison.Ordinal) && PveGuestConfig.Values.Any(k => key.EndsWith(".config." + k, StringComparison.Ordinal)))
        || (key.StartsWith("node.", StringComparison.Ordinal) && PveNode.Values.Any(k => key.EndsWith("." + k, StringComparison.Ordinal)));

    public string? Value(ProvenanceControl control, string? guest = null) =>
        _facts.TryGetValue(control.Key(guest), out var v) && v.Length > 0 ? v : ProxmoxValue(control, guest);

    // The Proxmox backend records each guest's whole PVE config (guest.S1.config.cpuunits) and each node's status
    // (node.pve1.kernel): the same controls under PVE's names. A key missing from a recorded config is PVE's default.
    private static readonly Dictionary<ProvenanceControl, string> PveGuestConfig = new()
    {
        [ProvenanceControl.CpuWeight] = "cpuunits", [ProvenanceControl.CpuQuota] = "cpulimit", [ProvenanceControl.CpuSet] = "affinity",
        [ProvenanceControl.MemoryLimit] = "memory", [ProvenanceControl.Balloon] = "balloon", [ProvenanceControl.GuestCpuModel] = "cpu",
    };

    private static readonly Dictionary<ProvenanceControl, string> PveNode = new()
    {
        [ProvenanceControl.Kernel] = "kernel", [ProvenanceControl.HostCpuModel] = "cpu_model",
    };

    private string? ProxmoxValue(ProvenanceControl control, string? guest)
    {
        if (guest is not null && PveGuestConfig.TryGetValue(control, out var configKey))
        {
            var prefix = $"guest.{guest}.config.";
            if (!_facts.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal))) return null;
            if (!_facts.TryGetValue(prefix + configKey, out var v) || v.Length == 0) return "default";
            // PVE gives memory in MiB; the control is in bytes, as Docker's.
            return control == ProvenanceControl.MemoryLimit && long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var mib)
                ? (mib * 1024 * 1024).ToString(CultureInfo.InvariantCulture)
                : v;
        }
        if (guest is null && PveNode.TryGetValue(control, out var nodeKey))
        {
            var values = _facts.Where(f => f.Key.StartsWith("node.", StringComparison.Ordinal) && f.Key.EndsWith("." + nodeKey, StringComparison.Ordinal))
                .Select(f => f.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            return values.Length > 0 ? string.Join(", ", values) : null;
        }
        return null;
    }

    /// <summary>What differs from <paramref name="before"/> to this run; controls that change isolation first.</summary>
    public IReadOnlyList<ProvenanceDifference> DifferencesFrom(RunProvenance before)
    {
        var guests = before.Guests.Union(Guests, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var differences = new List<ProvenanceDifference>();
        foreach (var control in ProvenanceControl.All)
        {
            foreach (var guest in control.PerGuest ? guests : new string?[] { null })
            {
                var (b, a) = (before.Value(control, guest), Value(control, guest));
                if (!string.Equals(b, a, StringComparison.Ordinal)) differences.Add(new ProvenanceDifference(guest, control, b, a));
            }
        }
        return differences.OrderByDescending(d => d.Control.ChangesIsolation).ToArray();
    }
}
