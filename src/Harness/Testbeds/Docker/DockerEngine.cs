using Docker.DotNet;
using Docker.DotNet.Models;

namespace Harness.Testbeds.Docker;

/// <summary>Docker is missing, not running, or too old. The message says how to fix it.</summary>
public sealed class DockerEngineUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The guest image is missing and could not be built. The message says how to build it.</summary>
public sealed class GuestImageUnavailableException(string message) : Exception(message);

/// <summary>Direct Docker API calls the Testcontainers builder does not cover: checks, facts and reaping.</summary>
public sealed class DockerEngine : IDisposable
{
    public const string OwnerLabel = "io.harness.owner";
    public const string OwnerValue = "proxmox-isolation-harness";
    public const string RunIdLabel = "io.harness.run-id";
    public const string PidLabel = "io.harness.pid";
    public const string HostLabel = "io.harness.host";

    private readonly DockerClient _client;

    private DockerEngine(DockerClient client) => _client = client;

    /// <param name="endpoint">Docker endpoint; default DOCKER_HOST, else the local unix socket.</param>
    public static async Task<DockerEngine> ConnectAsync(CancellationToken cancellationToken, string? endpoint = null)
    {
        endpoint ??= DefaultEndpoint();
        var client = new DockerClientBuilder().WithEndpoint(new Uri(endpoint)).Build();
        try
        {
            var version = await client.System.GetVersionAsync(cancellationToken).ConfigureAwait(false);
            if (System.Version.TryParse(version.APIVersion, out var api) && api < new System.Version(1, 44))
            {
                client.Dispose();
                throw new DockerEngineUnavailableException(
                    $"The Docker engine {version.Version} speaks API {version.APIVersion}; Testcontainers needs 1.44 or newer. " +
                    "Upgrade Docker (on Debian bookworm: sudo ci/setup-docker.sh installs a newer engine).");
            }
            return new DockerEngine(client);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or System.Net.Sockets.SocketException
                                      or DockerApiException or ArgumentException)
        {
            client.Dispose();
            throw new DockerEngineUnavailableException(
                $"Docker is not running or not reachable at {endpoint} ({e.GetBaseException().Message}). " +
                "Start it: 'sudo ci/setup-docker.sh' on Debian (installs and starts the engine), " +
                "'sudo systemctl start docker' where systemd runs, or start Docker Desktop. Then run again.", e);
        }
    }

    public async Task<IReadOnlyDictionary<string, string>> FactsAsync(CancellationToken cancellationToken)
    {
        var v = await _client.System.GetVersionAsync(cancellationToken).ConfigureAwait(false);
        var info = await _client.System.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false);
        return new Dictionary<string, string>
        {
            ["docker.version"] = v.Version,
            ["docker.api"] = v.APIVersion,
            ["host.kernel"] = info.KernelVersion,
            ["host.os"] = info.OperatingSystem,
            ["docker.root_dir"] = info.DockerRootDir,
            ["host.cgroup"] = info.CgroupVersion is { Length: > 0 } cg ? "v" + cg : "unknown",
            ["host.cpus"] = info.NCPU.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["host.memory_bytes"] = info.MemTotal.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public async Task<string?> ImageIdAsync(string tag, CancellationToken cancellationToken)
    {
        try
        {
            var image = await _client.Images.InspectImageAsync(tag, cancellationToken).ConfigureAwait(false);
            return image.ID;
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Removes containers a harness run left behind: on this host, boot and PID namespace those whose owning process
    /// is gone (a killed run); anyone else's only when older than <paramref name="reapAge"/>, so that two runs sharing
    /// one engine never remove each other's live guests.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReapOrphansAsync(TimeSpan reapAge, CancellationToken cancellationToken)
    {
        var containers = await _client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{OwnerLabel}={OwnerValue}"] = true },
            },
        }, cancellationToken).ConfigureAwait(false);

        var reaped = new List<string>();
        foreach (var c in containers)
        {
            if (!ContainerOwner.Current.MayReap(c.Labels, c.Created.ToUniversalTime(), DateTime.UtcNow, reapAge, ContainerOwner.StartTimeOf)) continue;
            await RemoveAsync(c.ID, cancellationToken).ConfigureAwait(false);
            reaped.Add($"{string.Join(",", c.Names).TrimStart('/')} (run {(c.Labels.TryGetValue(RunIdLabel, out var run) ? run : "?")})");
        }
        return reaped;
    }

    /// <summary>Removes every container of one run; returns how many there were.</summary>
    public async Task<int> RemoveRunAsync(string runId, CancellationToken cancellationToken)
    {
        var containers = await _client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{RunIdLabel}={runId}"] = true },
            },
        }, cancellationToken).ConfigureAwait(false);
        foreach (var c in containers) await RemoveAsync(c.ID, cancellationToken).ConfigureAwait(false);
        return containers.Count;
    }

    public async Task RemoveAsync(string containerId, CancellationToken cancellationToken)
    {
        try
        {
            await _client.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // Another reaper (or the run's own teardown) is removing it already.
        }
    }

    /// <summary>The container's cpu.shares as Docker applied them (0 in the API means the default, 1024).</summary>
    public async Task<long> CpuSharesAsync(string containerId, CancellationToken cancellationToken)
    {
        var c = await _client.Containers.InspectContainerAsync(containerId, cancellationToken).ConfigureAwait(false);
        return c.HostConfig?.CPUShares is > 0 and var shares ? shares : 1024;
    }

    public Task SetCpuSharesAsync(string containerId, long shares, CancellationToken cancellationToken) =>
        _client.Containers.UpdateContainerAsync(containerId, new ContainerUpdateParameters { CPUShares = shares }, cancellationToken);

    /// <summary>Null while the container runs; otherwise its state, e.g. "exited (137), OOMKilled".</summary>
    public async Task<string?> NotRunningReasonAsync(string containerId, CancellationToken cancellationToken)
    {
        try
        {
            var c = await _client.Containers.InspectContainerAsync(containerId, cancellationToken).ConfigureAwait(false);
            if (c.State is not { } state) return "container state unknown";
            if (state.Running) return null;
            return $"container is {state.Status} (exit code {state.ExitCode}{(state.OOMKilled ? ", killed for running out of memory" : "")})";
        }
        catch (DockerContainerNotFoundException)
        {
            return "container no longer exists";
        }
    }

    public static Dictionary<string, string> OwnerLabels(string runId) =>
        new(ContainerOwner.Current.Labels()) { [OwnerLabel] = OwnerValue, [RunIdLabel] = runId };

    internal static string DefaultEndpoint() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } h ? h : "unix:///var/run/docker.sock";

    public void Dispose() => _client.Dispose();
}
