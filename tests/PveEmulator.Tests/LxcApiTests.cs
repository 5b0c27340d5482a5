using System.Text.Json.Nodes;
using Harness.Configuration;
using Harness.Pve;
using Harness.Testbeds.Proxmox;
using PveEmulator.Runtime.Lxc;
using Xunit;

namespace PveEmulator.Tests;

/// <summary>The emulated node's containers through the harness's own client and requests: create, power, status, interfaces, rules.</summary>
public sealed class LxcApiTests
{
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEmulatedTestKeyNotARealOneAtAllxxxxxxxxxxxx test@emu";

    private static PveOptions Lxc(Emulator emu) => new()
    {
        Url = emu.Host.Url, Nodes = [emu.Api.Options.Node], TokenId = emu.Api.Options.TokenId, TokenSecret = Emulator.Secret,
        Fingerprint = emu.Host.Fingerprint, Kind = PveGuestKind.Lxc, OsTemplate = FakeContainerRuntime.Archive, Storage = "local",
    };

    private static PveGuestRef Ct(Emulator emu, int id) => new(emu.Api.Options.Node, PveGuestKind.Lxc, id);

    private static FakeContainerRuntime Fake(Emulator emu) => (FakeContainerRuntime)emu.Api.Containers;

    private static async Task<PveGuestRef> CreateAsync(Emulator emu, PveClient client, int id, PveOptions? pve = null)
    {
        var request = GuestConfig.Container(pve ?? Lxc(emu), "run-abc", id, $"s{id}", Key);
        var upid = await client.CreateContainerAsync(emu.Api.Options.Node, request, Emulator.Timeout());
        await PveTasks.WaitAsync(client, upid, "create", TimeSpan.FromSeconds(20), Emulator.Timeout(), TimeSpan.FromMilliseconds(50));
        return Ct(emu, id);
    }

    private static async Task RunAsync(PveClient client, Task<string> task) =>
        await PveTasks.WaitAsync(client, await task, "task", TimeSpan.FromSeconds(20), Emulator.Timeout(), TimeSpan.FromMilliseconds(50));

    [Fact]
    public async Task The_provisioners_create_request_passes_the_schema_and_makes_a_tagged_container_with_roots_key()
    {
        await using var emu = await Emulator.StartAsync("--schema", "default");
        using var client = emu.Client();
        var ct = await CreateAsync(emu, client, 120);

        var config = await client.GetConfigAsync(ct, Emulator.Timeout());
        Assert.False(config.ContainsKey("lock"));
        Assert.Equal("s120", config["hostname"]);
        Assert.Equal("1", config["unprivileged"]);
        Assert.Contains("hwaddr=", config["net0"], StringComparison.Ordinal);
        Assert.True(GuestTags.IsOfRun(config["tags"].Split(';'), "run-abc"));
        Assert.Equal(Key, Fake(emu).AuthorizedKeys[120]);
        var listed = Assert.Single(await client.GetGuestsAsync(Emulator.Timeout()), g => g.VmId == 120);
        Assert.Equal(PveGuestKind.Lxc, listed.Kind);
        Assert.Equal(0, emu.Host.Validator.Refused);
    }

    [Fact]
    public async Task Interfaces_are_null_while_stopped_and_inet_with_the_published_address_while_running()
    {
        await using var emu = await Emulator.StartAsync("--schema", "default");
        using var client = emu.Client();
        var ct = await CreateAsync(emu, client, 121);
        Assert.Null(await emu.Api.Containers.InterfacesAsync(emu.Api.Store.Find(121)!, Emulator.Timeout()));
        Assert.Empty(await client.GetInterfacesAsync(ct, Emulator.Timeout()));

        await RunAsync(client, client.StartAsync(ct, Emulator.Timeout()));
        var raw = (await emu.Api.Containers.InterfacesAsync(emu.Api.Store.Find(121)!, Emulator.Timeout()))!.AsArray();
        var eth0 = raw.Single(n => (string?)n!["name"] == "eth0")!;
        Assert.Equal("inet", (string?)eth0["ip-addresses"]![0]!["ip-address-type"]);
        var nics = await client.GetInterfacesAsync(ct, Emulator.Timeout());
        var usable = nics.SelectMany(n => n.Addresses.Where(a => ProxmoxTestbed.IsUsableAddress(n, a)).Select(a => a.Address)).ToList();
        Assert.Equal([emu.Api.Store.Find(121)!.Address!], usable);
        Assert.StartsWith("127.0.1.", usable[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_current_cpu_is_cgroup_time_over_wall_time_per_core_and_the_first_answer_is_zero()
    {
        await using var emu = await Emulator.StartAsync();
        using var client = emu.Client();
        var ct = await CreateAsync(emu, client, 122, Lxc(emu) with { Cores = 2 });
        await RunAsync(client, client.StartAsync(ct, Emulator.Timeout()));

        Fake(emu).CpuSeconds[122] = 10;
        var first = await client.GetStatusAsync(ct, Emulator.Timeout());
        Assert.Equal(0, first.Cpu);
        Assert.Equal(2, first.Cpus);
        var since = DateTime.UtcNow;
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Fake(emu).CpuSeconds[122] = 11.5; // 1.5 CPU-seconds in about 1.5 s on 2 cores: about 0.5
        var second = await client.GetStatusAsync(ct, Emulator.Timeout());
        var wall = (DateTime.UtcNow - since).TotalSeconds;
        Assert.InRange(second.Cpu, 1.5 / wall / 2 - 0.05, 0.5 + 0.01);
        Assert.Equal(Lxc(emu).MemoryMiB * 1024L * 1024L, second.MaxMem);
    }

    [Fact]
    public async Task Power_and_destroy_refuse_as_pve_container_does()
    {
        await using var emu = await Emulator.StartAsync();
        using var client = emu.Client();
        var ct = await CreateAsync(emu, client, 123);
        var notRunning = await Assert.ThrowsAsync<PveApiException>(() => client.StopAsync(ct, Emulator.Timeout()));
        Assert.Equal("CT 123 not running", notRunning.PveError);
        await RunAsync(client, client.StartAsync(ct, Emulator.Timeout()));
        var again = await Assert.ThrowsAsync<PveApiException>(() => client.StartAsync(ct, Emulator.Timeout()));
        Assert.Equal("CT 123 already running", again.PveError);
        var running = await Assert.ThrowsAsync<PveApiException>(() => client.DestroyAsync(ct, Emulator.Timeout()));
        Assert.Equal("unable to destroy CT 123 - container is running", running.PveError);

        await RunAsync(client, client.StopAsync(ct, Emulator.Timeout()));
        await RunAsync(client, client.DestroyAsync(ct, Emulator.Timeout()));
        Assert.Null(emu.Api.Store.Find(123));
        Assert.False(Fake(emu).AuthorizedKeys.ContainsKey(123));
    }

    [Fact]
    public async Task A_taken_vmid_is_refused_before_any_task_as_already_existing()
    {
        await using var emu = await Emulator.StartAsync();
        using var client = emu.Client();
        await CreateAsync(emu, client, 124);
        var e = await Assert.ThrowsAsync<PveApiException>(() =>
            client.CreateContainerAsync("pve-emu", GuestConfig.Container(Lxc(emu), "run-abc", 9000, "other", Key), Emulator.Timeout()));
        Assert.Equal("VM 9000 already exists on node 'pve-emu'", e.PveError);
        Assert.True(e.IsAlreadyExists);
    }

    [Fact]
    public async Task An_archive_the_storage_lacks_fails_the_create_task_and_leaves_no_config()
    {
        await using var emu = await Emulator.StartAsync();
        using var client = emu.Client();
        var upid = await client.CreateContainerAsync("pve-emu",
            GuestConfig.Container(Lxc(emu) with { OsTemplate = "local:vztmpl/missing.tar.zst" }, "run-abc", 125, "s125", Key), Emulator.Timeout());
        var e = await Assert.ThrowsAnyAsync<Exception>(() =>
            PveTasks.WaitAsync(client, upid, "create", TimeSpan.FromSeconds(20), Emulator.Timeout(), TimeSpan.FromMilliseconds(50)));
        Assert.Contains("volume 'local:vztmpl/missing.tar.zst' does not exist", e.Message, StringComparison.Ordinal);
        Assert.Null(emu.Api.Store.Find(125));
    }

    [Fact]
    public async Task A_lost_create_response_leaves_the_container_locked_then_made_for_the_provisioner_to_settle()
    {
        await using var emu = await Emulator.StartAsync("--fault", "lost-clone-response");
        using var client = emu.Client(retries: 1);
        await Assert.ThrowsAsync<PveConnectionException>(() =>
            client.CreateContainerAsync("pve-emu", GuestConfig.Container(Lxc(emu), "run-abc", 128, "s128", Key), Emulator.Timeout()));
        Assert.NotNull(emu.Api.Store.Find(128));
        var again = await Assert.ThrowsAsync<PveApiException>(() =>
            client.CreateContainerAsync("pve-emu", GuestConfig.Container(Lxc(emu), "run-abc", 128, "s128", Key), Emulator.Timeout()));
        Assert.Equal("CT 128 already exists on node 'pve-emu'", again.PveError);
        // The config says whose it is once the create lock is gone: the provisioner keeps it by its tags.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        IReadOnlyDictionary<string, string> config;
        while ((config = await client.GetConfigAsync(Ct(emu, 128), Emulator.Timeout())).ContainsKey("lock") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.True(GuestTags.IsOfRun(config["tags"].Split(';'), "run-abc"));
    }

    [Theory]
    [InlineData("Datastore.AllocateSpace", "Permission check failed (/storage/local, Datastore.AllocateSpace)")]
    [InlineData("VM.Config.CPU", "Permission check failed (/vms/126, VM.Config.CPU)")]
    [InlineData("VM.Allocate", "Permission check failed")]
    public async Task Create_names_the_privilege_the_token_lacks(string lacking, string expected)
    {
        var privileges = string.Join(',', PveApi.AllPrivileges.Where(p => p != lacking));
        await using var emu = await Emulator.StartAsync("--privileges", privileges);
        using var client = emu.Client();
        var e = await Assert.ThrowsAsync<PveApiException>(() =>
            client.CreateContainerAsync("pve-emu", GuestConfig.Container(Lxc(emu), "run-abc", 126, "s126", Key), Emulator.Timeout()));
        Assert.Equal(403, e.StatusCode);
        Assert.Equal(expected, e.PveError);
    }

    [Fact]
    public async Task A_hostname_pve_would_refuse_is_a_400_naming_it()
    {
        await using var emu = await Emulator.StartAsync("--schema", "default");
        using var client = emu.Client();
        var e = await Assert.ThrowsAsync<PveApiException>(() =>
            client.CreateContainerAsync("pve-emu", GuestConfig.Container(Lxc(emu), "run-abc", 127, "bad_name", Key), Emulator.Timeout()));
        Assert.Equal(400, e.StatusCode);
        Assert.Contains("hostname", e.ParameterErrors.Keys);
        Assert.Null(emu.Api.Store.Find(127));
    }
}
