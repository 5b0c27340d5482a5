using Harness.Configuration;

namespace Harness.Testbeds.Proxmox;

/// <summary>VMs or LXC containers on a Proxmox VE cluster, through the PVE REST client.</summary>
public sealed class ProxmoxBackend : TestbedBackend<PveOptions>
{
    public override string Name => "proxmox";

    public override IReadOnlyList<Setting> Settings => ProxmoxSettings.Table;

    public override string SettingsDocument => "docs/proxmox.md";

    public override string HowToUse => "set HARNESS_BACKEND=proxmox and the HARNESS_PVE_* settings, see docs/proxmox.md";

    public override PveOptions Load(SettingsReader settings) => ProxmoxSettings.Load(settings);

    public override async Task<ITestbed> CreateAsync(PveOptions? settings, TestbedRequest request, CancellationToken cancellationToken) =>
        await ProxmoxTestbed.CreateAsync(settings!, request.Options.GuestCount, request.RunId, request.Key, request.Progress, cancellationToken)
            .ConfigureAwait(false);

    public override bool IsUserFixable(Exception e) => base.IsUserFixable(e) || e is Pve.PveApiException;
}
