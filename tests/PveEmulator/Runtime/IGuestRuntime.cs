using System.Text.Json.Nodes;

namespace PveEmulator.Runtime;

/// <summary>What the host side of a running guest looks like, for status/current.</summary>
public sealed record GuestUsage(double CpuSeconds, long MemBytes, IReadOnlyDictionary<string, double> Pressure);

/// <summary>What is behind the API's guests: real QEMU VMs, or fakes for fast API tests.</summary>
public interface IGuestRuntime : IAsyncDisposable
{
    string Description { get; }

    /// <summary>The template's disk (the image), given to the template guest when the emulator starts.</summary>
    string? TemplateDisk { get; }

    /// <summary>QEMU's version as status/current reports it in running-qemu.</summary>
    string? QemuVersion { get; }

    /// <summary>A linked clone is an overlay on the source's disk; a full clone a copy of it.</summary>
    Task CloneDiskAsync(EmuGuest source, EmuGuest target, bool full, CancellationToken cancellationToken);

    Task StartAsync(EmuGuest guest, CancellationToken cancellationToken);

    /// <summary>graceful: ACPI power button, then kill after <paramref name="timeout"/>; else kill at once.</summary>
    Task StopAsync(EmuGuest guest, bool graceful, TimeSpan timeout, CancellationToken cancellationToken);

    bool IsAlive(EmuGuest guest);

    Task DestroyDiskAsync(EmuGuest guest, CancellationToken cancellationToken);

    /// <summary>The guest agent's own answer to guest-network-get-interfaces; throws PveError when it does not answer.</summary>
    Task<JsonNode> AgentInterfacesAsync(EmuGuest guest, CancellationToken cancellationToken);

    GuestUsage Usage(EmuGuest guest);

    /// <summary>cpulimit / cpuunits / memory to the guest's cgroup, after a config change of a running guest.</summary>
    void ApplyLimits(EmuGuest guest);
}

/// <summary>Fake guests (--no-vms): state changes only, and an agent that answers with the guest's loopback address.</summary>
public sealed class FakeRuntime : IGuestRuntime
{
    public string Description => "fake guests (--no-vms)";

    public string? TemplateDisk => "/dev/null";

    public string? QemuVersion => "9.2.0";

    public Task CloneDiskAsync(EmuGuest source, EmuGuest target, bool full, CancellationToken cancellationToken) => Task.Delay(200, cancellationToken);

    public Task StartAsync(EmuGuest guest, CancellationToken cancellationToken)
    {
        guest.Address = $"127.0.1.{2 + (guest.VmId % 250)}";
        return Task.CompletedTask;
    }

    public Task StopAsync(EmuGuest guest, bool graceful, TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;

    public bool IsAlive(EmuGuest guest) => guest.Status == "running";

    public Task DestroyDiskAsync(EmuGuest guest, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<JsonNode> AgentInterfacesAsync(EmuGuest guest, CancellationToken cancellationToken) => Task.FromResult<JsonNode>(new JsonArray(
        Nic("lo", "00:00:00:00:00:00", ("127.0.0.1", "ipv4", 8), ("::1", "ipv6", 128)),
        Nic("eth0", Mac(guest.VmId), (guest.Address ?? "127.0.1.2", "ipv4", 24), ("fe80::5054:ff:fe00:1", "ipv6", 64))));

    public GuestUsage Usage(EmuGuest guest) => new(0, guest.Status == "running" ? 64L << 20 : 0, new Dictionary<string, double>());

    public void ApplyLimits(EmuGuest guest)
    {
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static string Mac(int vmid) => $"BC:24:11:{(vmid >> 16) & 0xff:X2}:{(vmid >> 8) & 0xff:X2}:{vmid & 0xff:X2}";

    private static JsonObject Nic(string name, string mac, params (string Ip, string Type, int Prefix)[] ips) => new()
    {
        ["name"] = name,
        ["hardware-address"] = mac.ToLowerInvariant(),
        ["ip-addresses"] = new JsonArray(ips.Select(i => (JsonNode)new JsonObject
        {
            ["ip-address"] = i.Ip, ["ip-address-type"] = i.Type, ["prefix"] = i.Prefix,
        }).ToArray()),
    };
}
