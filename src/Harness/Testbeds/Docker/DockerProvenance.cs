using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Harness.Reporting;

namespace Harness.Testbeds.Docker;

/// <summary>
/// The controls Docker actually applied to each guest container, read back from its HostConfig rather than from
/// the settings we asked for, plus the host's governor, KSM and CPU model. Recorded as testbed facts
/// (<see cref="RunProvenance"/> reads them).
/// </summary>
public static class DockerProvenance
{
    public static async Task<IReadOnlyDictionary<string, string>> CollectAsync(IEnumerable<IGuest> guests, CancellationToken cancellationToken)
    {
        var facts = new Dictionary<string, string>(HostProvenance.Read());
        using var client = new DockerClientBuilder().WithEndpoint(new Uri(Endpoint())).Build();
        foreach (var guest in guests.OfType<DockerGuest>())
        {
            var inspected = await client.Containers.InspectContainerAsync(guest.ContainerId, cancellationToken).ConfigureAwait(false);
            if (inspected.HostConfig is not { } host) continue;
            foreach (var (key, value) in FactsOf(guest.Name, host)) facts[key] = value;
        }
        return facts;
    }

    /// <summary>One guest's controls. Docker leaves a control it does not set at 0 or empty, which is recorded as what it means.</summary>
    public static IReadOnlyDictionary<string, string> FactsOf(string guest, HostConfig host)
    {
        static string Number(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
        // NanoCpus and CpuQuota/CpuPeriod are two spellings of one quota; Docker refuses both at once.
        var quota = host.NanoCPUs > 0 ? Number(host.NanoCPUs / 1e9)
            : host.CPUQuota > 0 && host.CPUPeriod > 0 ? Number((double)host.CPUQuota / host.CPUPeriod)
            : "unlimited";
        return new Dictionary<string, string>
        {
            // 0 means the default weight, 1024 shares (cgroup v2: weight 100).
            [ProvenanceControl.CpuWeight.Key(guest)] = (host.CPUShares > 0 ? host.CPUShares : 1024).ToString(CultureInfo.InvariantCulture),
            [ProvenanceControl.CpuQuota.Key(guest)] = quota,
            [ProvenanceControl.CpuSet.Key(guest)] = host.CpusetCpus is { Length: > 0 } set ? set : "all",
            [ProvenanceControl.MemoryLimit.Key(guest)] = host.Memory > 0 ? host.Memory.ToString(CultureInfo.InvariantCulture) : "unlimited",
            // Containers share the host's kernel: no balloon, and the CPU model is the host's.
            [ProvenanceControl.Balloon.Key(guest)] = "none (container)",
            [ProvenanceControl.DiskLimit.Key(guest)] = DiskLimit(host),
        };
    }

    /// <summary>The blkio write limits Docker applied, as "write 10485760 B/s, 200 IOPS on /dev/vda", or "none".</summary>
    private static string DiskLimit(HostConfig host)
    {
        var limits = (host.BlkioDeviceWriteBps ?? []).Select(d => $"{d.Rate} B/s on {d.Path}")
            .Concat((host.BlkioDeviceWriteIOps ?? []).Select(d => $"{d.Rate} IOPS on {d.Path}")).ToArray();
        return limits.Length == 0 ? "none" : "write " + string.Join(", ", limits);
    }

    private static string Endpoint() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } h ? h : "unix:///var/run/docker.sock";
}
