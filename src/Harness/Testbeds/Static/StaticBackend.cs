using Harness.Configuration;

namespace Harness.Testbeds.Static;

/// <summary>Guests that already exist on any hypervisor, listed by SSH endpoint in a file.</summary>
public sealed class StaticBackend : TestbedBackend<StaticTestbedOptions>
{
    public override string Name => "static";

    public override IReadOnlyList<Setting> Settings => StaticTestbedOptions.Settings;

    public override string SettingsDocument => "docs/proxmox.md";

    public override string HowToUse => "set HARNESS_BACKEND=static and HARNESS_STATIC_FILE, see docs/proxmox.md";

    public override StaticTestbedOptions Load(SettingsReader settings) => StaticTestbedOptions.Load(settings);

    public override async Task<ITestbed> CreateAsync(StaticTestbedOptions? settings, TestbedRequest request, CancellationToken cancellationToken) =>
        await StaticTestbed.CreateAsync(settings!, request.Options.GuestCount, request.RunId, request.Progress, cancellationToken, request.Options.Remote,
                request.Options.GuestSizes)
            .ConfigureAwait(false);
}
