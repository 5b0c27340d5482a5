using Harness.Configuration;

namespace Harness.Testbeds.Proxmox;

/// <summary>VMs or LXC containers on a Proxmox VE cluster, through the PVE REST client.</summary>
public sealed class ProxmoxBackend : TestbedBackend<PveOptions>
{
    private readonly GuestConnector? _connect;

    public ProxmoxBackend()
    {
    }

    /// <summary>Tests: the whole backend against a fake node, with guests reached through <paramref name="connect"/> instead of SSH.</summary>
    internal ProxmoxBackend(GuestConnector connect) => _connect = connect;

    public override string Name => "proxmox";

    public override IReadOnlyList<Setting> Settings => ProxmoxSettings.Table;

    public override string SettingsDocument => "docs/proxmox.md";

    public override string HowToUse => "set HARNESS_BACKEND=proxmox and the HARNESS_PVE_* settings, see docs/proxmox.md";

    public override PveOptions Load(SettingsReader settings) => ProxmoxSettings.Load(settings);

    public override async Task<ITestbed> CreateAsync(PveOptions? settings, TestbedRequest request, CancellationToken cancellationToken)
    {
        var o = request.Options;
        return _connect is null
            ? await ProxmoxTestbed.CreateAsync(settings!, o.GuestCount, request.RunId, request.Key, o.Remote, request.Progress, cancellationToken, o.GuestSizes).ConfigureAwait(false)
            : await ProxmoxTestbed.CreateAsync(settings!, o.GuestCount, request.RunId, request.Key, o.Remote, _connect, request.Progress, cancellationToken, o.GuestSizes).ConfigureAwait(false);
    }

    public override bool IsUserFixable(Exception e) => base.IsUserFixable(e) || e is Pve.PveApiException or GuestStartTimeoutException;
}
