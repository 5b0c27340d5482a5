using Harness.Configuration;

namespace Harness.Testbeds.Docker;

/// <summary>The Docker backend's own settings.</summary>
/// <param name="ReapAge">Age after which another host's containers (whose owner cannot be checked from here) are reaped.</param>
/// <param name="WriteBytesPerSecond">Per-guest write throttle on the disk under Docker's data, bytes/s; 0 = none.</param>
/// <param name="WriteIops">The same in write operations per second; 0 = none.</param>
public sealed record DockerSettings(TimeSpan ReapAge, long WriteBytesPerSecond = 0, long WriteIops = 0)
{
    public static DockerSettings Default { get; } = new(TimeSpan.FromHours(24));

    public bool ThrottlesDisk => WriteBytesPerSecond > 0 || WriteIops > 0;
}

/// <summary>The embedded testbed: containers on the local Docker engine, through Testcontainers.</summary>
public sealed class DockerBackend : TestbedBackend<DockerSettings>
{
    public override string Name => "docker";

    public override IReadOnlyList<Setting> Settings { get; } =
    [
        new("DOCKER_REAP_AGE_HOURS", "containers of another host's (or container's) runs are removed only when older than this", "24"),
        new("DOCKER_DISK_WRITE_BPS", "per-guest write limit on the disk under Docker's data, bytes/s (blkio throttle; 0 = none)", "0"),
        new("DOCKER_DISK_WRITE_IOPS", "per-guest write limit on that disk, operations/s (0 = none)", "0"),
    ];

    public override string HowToUse => "set HARNESS_BACKEND=docker (the default) and start Docker";

    public override DockerSettings Load(SettingsReader settings) =>
        new(TimeSpan.FromHours(settings.Number("DOCKER_REAP_AGE_HOURS", DockerSettings.Default.ReapAge.TotalHours, 0.1, 24 * 365, "hours, 0.1 to 8760")),
            (long)settings.Number("DOCKER_DISK_WRITE_BPS", 0, 0, 1e12, "bytes per second, 0 (none) or more"),
            (long)settings.Number("DOCKER_DISK_WRITE_IOPS", 0, 0, 1e9, "operations per second, 0 (none) or more"));

    public override async Task<ITestbed> CreateAsync(DockerSettings? settings, TestbedRequest request, CancellationToken cancellationToken) =>
        await DockerTestbed.CreateAsync(request.Options, request.RunId, request.Key, request.Progress, cancellationToken).ConfigureAwait(false);

    public override bool IsUserFixable(Exception e) =>
        base.IsUserFixable(e) || e is DockerEngineUnavailableException or GuestImageUnavailableException;
}
