using System.Globalization;

namespace Harness.Scenarios;

/// <summary>
/// A guest's own size where a scenario gives one: CPUs (a quota, or vCPUs with a cpulimit) and memory. A part left
/// null takes the run's default (HARNESS_GUEST_CPUS / HARNESS_GUEST_MEMORY_MIB; on Proxmox HARNESS_PVE_CORES,
/// _CPULIMIT, _MEMORY_MIB; on the static backend what its file lists).
/// </summary>
public sealed record GuestSize(double? Cpus = null, long? MemoryMiB = null)
{
    public static GuestSize Default { get; } = new();

    public bool IsDefault => Cpus is null && MemoryMiB is null;

    public override string ToString() =>
        string.Join(", ", new[]
        {
            Cpus is { } c ? string.Create(CultureInfo.InvariantCulture, $"{c:0.###} CPU") : null,
            MemoryMiB is { } m ? string.Create(CultureInfo.InvariantCulture, $"{m} MiB") : null,
        }.OfType<string>());
}

/// <summary>
/// One guest's load: CPU % of its CPU allocation and RAM % of its memory, and in a fair-share row its relative CPU
/// weight (2 = twice the CPU of a guest of weight 1 when they contend), and the antagonists it runs against its
/// neighbours (none in the paper's rows). <see cref="Size"/> is the guest's own size, when the row gives one.
/// </summary>
public sealed record GuestLoad(
    string Guest, double CpuPercent, double RamPercent, int? CpuWeight = null, IReadOnlyList<Antagonist>? Antagonists = null,
    GuestSize? Size = null)
{
    public IReadOnlyList<Antagonist> AntagonistsOrNone => Antagonists ?? [];

    public GuestSize SizeOrDefault => Size ?? GuestSize.Default;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Guest} {CpuPercent:0.##}/{RamPercent:0.##}{(CpuWeight is { } w ? $" w{w}" : "")}")
        + string.Concat(AntagonistsOrNone.Select(a => " +" + a))
        + (SizeOrDefault.IsDefault ? "" : $" [{SizeOrDefault}]");
}

/// <summary>A named set of per-guest loads applied at the same time.</summary>
public sealed record Scenario(string Name, IReadOnlyList<GuestLoad> Loads)
{
    /// <summary>
    /// The guests carry CPU weights: the row is judged by whether each guest's share of the CPU the guests got
    /// follows its weight, which only shows when they contend for more CPU than the host has.
    /// </summary>
    public bool IsFairShare => Loads.Any(l => l.CpuWeight is not null);

    /// <summary>Some guest runs an antagonist: its neighbours are then the victims, probed on that antagonist's channel.</summary>
    public bool HasAntagonists => Loads.Any(l => l.AntagonistsOrNone.Count > 0);

    /// <summary>The theory row's name, e.g. <c>Scenario 05 (S1 90/80, S2 90/80, S3 90/80, S4 90/80)</c>.</summary>
    public string DisplayName => $"{Name} ({string.Join(", ", Loads)})";

    public override string ToString() => DisplayName;
}
