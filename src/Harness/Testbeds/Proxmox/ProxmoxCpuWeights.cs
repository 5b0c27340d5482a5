using System.Globalization;
using Harness.Pve;

namespace Harness.Testbeds.Proxmox;

/// <summary>
/// cpuunits of the run's guests (relative weight × 100, PVE's default on cgroup v2, which PVE 7 and later use),
/// changed in the guest's config: PVE applies a running guest's new cpuunits to its cgroup at once.
/// </summary>
internal sealed class ProxmoxCpuWeights(IPveClient client) : ICpuWeights
{
    public string Control => "cpuunits";

    public long Default => 100;

    public async Task<long> ReadAsync(IGuest guest, CancellationToken cancellationToken)
    {
        var config = await client.GetConfigAsync(Ref(guest), cancellationToken).ConfigureAwait(false);
        return config.TryGetValue("cpuunits", out var value) && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var units)
            ? units : Default;
    }

    public Task SetRawAsync(IGuest guest, long value, CancellationToken cancellationToken) =>
        client.SetConfigAsync(Ref(guest), Request(value), cancellationToken);

    internal static IReadOnlyDictionary<string, string> Request(long cpuunits) =>
        new Dictionary<string, string> { ["cpuunits"] = cpuunits.ToString(CultureInfo.InvariantCulture) };

    private static PveGuestRef Ref(IGuest guest) =>
        (guest as ProxmoxGuest ?? throw new ArgumentException($"{guest.Name} is not a Proxmox guest", nameof(guest))).Ref;
}
