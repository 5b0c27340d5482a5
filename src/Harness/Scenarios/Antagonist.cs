using System.Globalization;

namespace Harness.Scenarios;

/// <summary>
/// A stressor one guest runs against its neighbours beyond its CPU and RAM load, in the Isolation Benchmark Suite's
/// sense: <see cref="Class"/> names the channel (io: the disk, membw: memory bandwidth, net: the network between guests), <see cref="Intensity"/> is
/// the share of wall time it runs (100 = flat out), <see cref="Sync"/> makes an io antagonist flush every write
/// (fsync), so that each write reaches the device instead of the page cache.
/// </summary>
public sealed record Antagonist(string Class, double Intensity = 100, bool Sync = false)
{
    public const string Io = "io";
    public const string Membw = "membw";
    public const string Net = "net";

    /// <summary>The classes this harness can run, each with a victim probe that judges its channel.</summary>
    public static IReadOnlyList<string> Implemented { get; } = [Io, Membw, Net];

    /// <summary>Classes the file format reserves for later (a cache or process-creation antagonist) but no code runs yet.</summary>
    public static IReadOnlyList<string> Reserved { get; } = ["cache", "fork"];

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Class}{(Sync ? "+sync" : "")} {Intensity:0.##}%");
}
