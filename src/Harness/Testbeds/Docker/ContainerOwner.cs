using System.Globalization;

namespace Harness.Testbeds.Docker;

/// <summary>
/// The process that owns a run's containers, told apart from every other: a PID alone is reused, means nothing in
/// another PID namespace (a run inside a container sharing the socket) and nothing after a reboot or on another host.
/// </summary>
internal sealed record ContainerOwner(string Host, string PidNamespace, string BootId, int Pid, string StartTime)
{
    public const string PidNamespaceLabel = "io.harness.pid-namespace";
    public const string BootIdLabel = "io.harness.boot-id";
    public const string StartTimeLabel = "io.harness.start-time";

    public static ContainerOwner Current { get; } = new(
        Environment.MachineName,
        ReadOrEmpty(() => new FileInfo("/proc/self/ns/pid").LinkTarget),
        ReadOrEmpty(() => File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim()),
        Environment.ProcessId,
        StartTimeOf(Environment.ProcessId) ?? "");

    public IEnumerable<KeyValuePair<string, string>> Labels() =>
    [
        new(DockerEngine.HostLabel, Host),
        new(PidNamespaceLabel, PidNamespace),
        new(BootIdLabel, BootId),
        new(DockerEngine.PidLabel, Pid.ToString(CultureInfo.InvariantCulture)),
        new(StartTimeLabel, StartTime),
    ];

    /// <summary>
    /// Whether a container may be removed. Its owner can be looked up only from the same host, boot and PID namespace;
    /// there it is gone when no process has its PID and start time. Anyone else's container is removed only once it
    /// is older than <paramref name="reapAge"/>: a live run elsewhere must keep its guests.
    /// </summary>
    public bool MayReap(IDictionary<string, string> labels, DateTime createdUtc, DateTime nowUtc, TimeSpan reapAge, Func<int, string?> startTimeOf)
    {
        string Label(string key) => labels.TryGetValue(key, out var v) ? v : "";
        if (!labels.ContainsKey(PidNamespaceLabel) && Label(DockerEngine.HostLabel) == Host
            && int.TryParse(Label(DockerEngine.PidLabel), NumberStyles.None, CultureInfo.InvariantCulture, out var legacyPid)
            && startTimeOf(legacyPid) is not null)
        {
            // Labelled by an older harness (no namespace, boot or start time): a live PID here may be its owner.
            return false;
        }
        var checkable = PidNamespace.Length > 0 && BootId.Length > 0
                        && Label(DockerEngine.HostLabel) == Host && Label(PidNamespaceLabel) == PidNamespace && Label(BootIdLabel) == BootId;
        if (!checkable) return nowUtc - createdUtc > reapAge;
        return !int.TryParse(Label(DockerEngine.PidLabel), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
               || startTimeOf(pid) is not { } started || started != Label(StartTimeLabel);
    }

    /// <summary>The process's start time in clock ticks since boot (/proc/PID/stat field 22), or null when there is no such process.</summary>
    public static string? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may hold spaces and parentheses; the fields after its last ')' are plain.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields[19] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string ReadOrEmpty(Func<string?> read)
    {
        try
        {
            return read() ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return "";
        }
    }
}
