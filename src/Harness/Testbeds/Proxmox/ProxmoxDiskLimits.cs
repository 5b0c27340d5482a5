using System.Text.RegularExpressions;
using Harness.Reporting;

namespace Harness.Testbeds.Proxmox;

/// <summary>
/// A guest's disk and network limits as PVE applied them, read from its config (the raw entries are kept too, as
/// guest.NAME.config.*): each disk's mbps_*/iops_* options and each NIC's rate, under the same per-guest fact key as
/// Docker's blkio limit, so that two runs on differently throttled guests are never compared as one experiment.
/// </summary>
internal static partial class ProxmoxDiskLimits
{
    [GeneratedRegex("^(scsi|virtio|sata|ide|efidisk|tpmstate)[0-9]+$|^rootfs$|^mp[0-9]+$")]
    private static partial Regex Disk();

    [GeneratedRegex("^net[0-9]+$")]
    private static partial Regex Nic();

    public static IReadOnlyDictionary<string, string> Facts(string guest, IReadOnlyDictionary<string, string> config)
    {
        static IEnumerable<string> Options(string value, Func<string, bool> wanted) =>
            value.Split(',').Where(o => o.Split('=', 2) is [var k, _] && wanted(k));
        var disks = config.Where(e => Disk().IsMatch(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => (e.Key, Limits: Options(e.Value, k => k.StartsWith("mbps", StringComparison.Ordinal) || k.StartsWith("iops", StringComparison.Ordinal)).ToArray()))
            .Where(d => d.Limits.Length > 0).Select(d => $"{d.Key} {string.Join(' ', d.Limits)}").ToArray();
        var nics = config.Where(e => Nic().IsMatch(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => (e.Key, Rate: Options(e.Value, k => k == "rate").FirstOrDefault())).Where(n => n.Rate is not null)
            .Select(n => $"{n.Key} {n.Rate} (MB/s)").ToArray();
        return new Dictionary<string, string>
        {
            [ProvenanceControl.DiskLimit.Key(guest)] = disks.Length == 0 ? "none" : string.Join("; ", disks),
            [$"guest.{guest}.net.rate"] = nics.Length == 0 ? "none" : string.Join("; ", nics),
        };
    }
}
