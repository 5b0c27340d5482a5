using System.Globalization;
using Harness.Configuration;

namespace Harness.Testbeds.Docker;

/// <summary>
/// The block device that holds Docker's data (and so every guest's overlay writes), for a per-container blkio
/// throttle, and what this host can do to it. Measured on the 2-core machine (cgroup v1, overlay2 on ext4 on
/// /dev/vda, scheduler mq-deadline): a write limit holds for O_DIRECT and O_DSYNC/fsync writes, which the writing
/// task submits itself; buffered writes are written back by the kernel's flusher threads, outside the container's
/// group, and escape it. A block-I/O weight needs the bfq scheduler; with mq-deadline Docker discards it.
/// </summary>
internal static class DockerDisk
{
    /// <summary>The /dev path and major:minor of the device mounted at (or above) <paramref name="dataRoot"/>, from /proc/self/mountinfo.</summary>
    public static (string Path, string Numbers)? Find(string dataRoot, string mountInfo)
    {
        (string Mount, string Numbers, string Source)? best = null;
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || dash < 0 || dash + 2 >= fields.Length) continue;
            var mount = fields[4];
            var under = dataRoot == mount || dataRoot.StartsWith(mount.TrimEnd('/') + "/", StringComparison.Ordinal);
            if (under && (best is null || mount.Length > best.Value.Mount.Length)) best = (mount, fields[2], fields[dash + 2]);
        }
        return best is { Source: var source } b && source.StartsWith("/dev/", StringComparison.Ordinal) ? (source, b.Numbers) : null;
    }

    /// <summary>The throttle Docker is asked for, or a message naming the setting when the device cannot be found from here.</summary>
    public static (string Path, string Numbers) Resolve(string dataRoot)
    {
        return Find(dataRoot, MountInfo()) ?? throw new HarnessConfigurationException([
            $"HARNESS_DOCKER_DISK_WRITE_BPS / HARNESS_DOCKER_DISK_WRITE_IOPS: no block device found under Docker's data root '{dataRoot}' " +
            "from this process (a remote engine, or a data root on a filesystem without a /dev device). Set both to 0, or run the harness on the Docker host."]);
    }

    public static string MountInfo() => ReadOrNull("/proc/self/mountinfo") ?? "";

    /// <summary>What a block-I/O weight would need here, for the testbed facts.</summary>
    public static string WeightSupport(string devicePath)
    {
        var scheduler = ReadOrNull($"/sys/block/{Path.GetFileName(devicePath)}/queue/scheduler")?.Trim() ?? "unknown";
        var v1 = File.Exists("/sys/fs/cgroup/blkio/blkio.weight") || File.Exists("/sys/fs/cgroup/blkio/blkio.bfq.weight");
        return v1 || scheduler.Contains("[bfq]", StringComparison.Ordinal)
            ? $"available (scheduler {scheduler})"
            : $"unavailable: no blkio weight file; the disk's scheduler is {scheduler} (a weight needs bfq)";
    }

    public static string Describe(DockerSettings s) => s.ThrottlesDisk
        ? string.Create(CultureInfo.InvariantCulture, $"write {(s.WriteBytesPerSecond > 0 ? s.WriteBytesPerSecond + " B/s" : "unlimited")}, {(s.WriteIops > 0 ? s.WriteIops + " IOPS" : "unlimited")}")
        : "none";

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
