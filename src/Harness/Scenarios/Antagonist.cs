using System.Globalization;

namespace Harness.Scenarios;

/// <summary>
/// A stressor one guest runs against its neighbours beyond its CPU and RAM load, in the Isolation Benchmark Suite's
/// sense: <see cref="Class"/> names the channel (io: the disk, membw: memory bandwidth, net: the network between
/// guests, cache: the shared last-level cache, fork: process creation in the shared kernel), <see cref="Intensity"/> is
/// the share of wall time it runs (100 = flat out), <see cref="Sync"/> makes an io antagonist flush every write
/// (fsync), so that each write reaches the device instead of the page cache.
/// </summary>
public sealed record Antagonist(string Class, double Intensity = 100, bool Sync = false)
{
    public const string Io = "io";
    public const string Membw = "membw";
    public const string Net = "net";
    public const string Cache = "cache";
    public const string Fork = "fork";

    /// <summary>
    /// The classes this harness can run. io, membw and net have a victim probe of their own; cache and fork are judged
    /// by the victims' CPU checks alone (what a neighbour's cache thrashing or forking costs shows as CPU work slowed).
    /// </summary>
    public static IReadOnlyList<string> Implemented { get; } = [Io, Membw, Net, Cache, Fork];

    /// <summary>Classes the file format reserves for later; none at present.</summary>
    public static IReadOnlyList<string> Reserved { get; } = [];

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Class}{(Sync ? "+sync" : "")} {Intensity:0.##}%");
}
