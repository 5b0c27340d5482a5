using Xunit;
using Harness.Pve;

namespace PveEmulator.Tests;

/// <summary>The emulator answers as PVE does: auth, privileges, nextid, clone rules, locks, tasks, agent, tags.</summary>
public sealed class ApiRulesTests
{
    [Fact]
    public async Task Version_and_node_status_through_the_harness_client_with_a_pinned_certificate()
    {
        await using var emu = await Emulator.StartAsync();
        using var client = emu.Client();
        var v = await client.GetVersionAsync(Emulator.Timeout());
        Assert.StartsWith("9.", v.Version, StringComparison.Ordinal);
        var node = await client.GetNodeStatusAsync("pve-emu", Emulator.Timeout());
        Assert.True(node.CpuCount >= 1);
        Assert.Equal(32 * 3 - 1, emu.Host.Fingerprint.Length);
    }

    [Fact]
    public async Task A_wrong_secret_is_a_401_with_an_empty_body()
    {
        await using var emu = await Emulator.StartAsync();
        using var client = emu.Client(secret: "wrong");
        var e = await Assert.ThrowsAsync<PveApiException>(() => client.GetVersionAsync(Emulator.Timeout()));
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("authentication failure", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_privilege_is_a_403_in_PVE_words()
    {
        await using var emu = await Emulator.StartAsync("--privileges", "VM.Audit,VM.Clone");
        using var client = emu.Client();
        var e = await Assert.ThrowsAsync<PveApiException>(() =>
            client.CloneAsync(emu.Template, new PveCloneRequest(100, "a", false, null, null), Emulator.Timeout()));
        Assert.Equal(403, e.StatusCode);
        Assert.Equal("Permission check failed (/vms/100, VM.Allocate)", e.PveError);
    }

    [Fact]
    public async Task The_agent_needs_the_PVE_9_guest_agent_privilege()
    {
        await using var emu = await Emulator.StartAsync("--privileges", "VM.Audit,VM.Clone,VM.Allocate,VM.Monitor");
        using var client = emu.Client();
        var vm = await emu.CloneAsync(client, 100);
        var e = await Assert.ThrowsAsync<PveApiException>(() => client.GetInterfacesAsync(vm, Emulator.Timeout()));
        Assert.Equal("Permission check failed (/vms/100, VM.GuestAgent.Audit|VM.GuestAgent.Unrestricted)", e.PveError);
    }

    [Fact]
    public async Task Nextid_reserves_nothing_and_refuses_a_taken_id_with_400()
    {
        await using var emu = await Emulator.StartAsync();
        using var client = emu.Client();
        Assert.Equal(100, await client.GetNextIdAsync(Emulator.Timeout()));
        Assert.Equal(100, await client.GetNextIdAsync(Emulator.Timeout()));
        Assert.False(await client.IsIdFreeAsync(9000, Emulator.Timeout()));
        Assert.True(await client.IsIdFreeAsync(100, Emulator.Timeout()));
    }

    [Fact]
    public async Task A_clone_exists_at_once_locked_and_carries_the_template_tags()
    {
        await using var emu = await Emulator.StartAsync("--fault", "slow-task:qmclone:1");
        using var client = emu.Client();
        var upid = await client.CloneAsync(emu.Template, new PveCloneRequest(100, "a", false, null, null), Emulator.Timeout());
        Assert.Equal("pve-emu", PveTasks.NodeOf(upid));
        Assert.Equal("qmclone", PveTasks.TypeOf(upid));
        var during = await client.GetConfigAsync(emu.Vm(100), Emulator.Timeout());
        Assert.Equal("clone", during["lock"]);
        var config = Assert.ThrowsAsync<PveApiException>(() => client.SetConfigAsync(emu.Vm(100), new Dictionary<string, string> { ["cores"] = "1" }, Emulator.Timeout()));
        Assert.Equal("VM is locked (clone)", (await config).PveError);
        var again = await Assert.ThrowsAsync<PveApiException>(() =>
            client.CloneAsync(emu.Template, new PveCloneRequest(100, "a", false, null, null), Emulator.Timeout()));
        Assert.True(again.IsAlreadyExists);
        await PveTasks.WaitAsync(client, upid, "clone", TimeSpan.FromSeconds(20), Emulator.Timeout(), TimeSpan.FromMilliseconds(50));
        var after = await client.GetConfigAsync(emu.Vm(100), Emulator.Timeout());
        Assert.False(after.ContainsKey("lock"));
        Assert.Equal("harness-template", after["tags"]);
    }

    [Fact]
    public async Task Linked_clones_take_no_storage_and_need_a_template()
    {
        await using var emu = await Emulator.StartAsync();
        using var client = emu.Client();
        var storage = await Assert.ThrowsAsync<PveError>(() => emu.Api.HandleAsync(new ApiCall("POST", "nodes/pve-emu/qemu/9000/clone",
            new Dictionary<string, string> { ["newid"] = "100", ["full"] = "0", ["storage"] = "local" }, "harness@pve!emu", TestContext.Current.CancellationToken)));
        Assert.Equal("parameter 'storage' not allowed for linked clones", storage.Message);
        var vm = await emu.CloneAsync(client, 100);
        var upid = await client.CloneAsync(vm, new PveCloneRequest(101, "b", false, null, null), Emulator.Timeout());
        var e = await Assert.ThrowsAsync<PveTaskException>(() =>
            PveTasks.WaitAsync(client, upid, "clone", TimeSpan.FromSeconds(20), Emulator.Timeout(), TimeSpan.FromMilliseconds(50)));
        Assert.Contains("clone_image only works on base images", e.Message, StringComparison.Ordinal);
        Assert.Null(emu.Api.Store.Find(101)); // a failed clone removes its own config
    }

    [Fact]
    public async Task A_second_config_change_waits_for_the_lock_and_times_out_as_PVE()
    {
        await using var emu = await Emulator.StartAsync("--fault", "lock-timeout");
        using var client = emu.Client();
        var vm = await emu.CloneAsync(client, 100);
        var e = await Assert.ThrowsAsync<PveApiException>(() =>
            client.SetConfigAsync(vm, new Dictionary<string, string> { ["memory"] = "512" }, Emulator.Timeout()));
        Assert.Equal(500, e.StatusCode);
        Assert.Equal("can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout", e.PveError);
        await client.SetConfigAsync(vm, new Dictionary<string, string> { ["memory"] = "512", ["tags"] = "B;a,harness" }, Emulator.Timeout());
        var config = await client.GetConfigAsync(vm, Emulator.Timeout());
        Assert.Equal("a;b;harness", config["tags"]);
    }

    [Fact]
    public async Task A_failed_task_reports_its_error_as_exit_status_and_in_the_log()
    {
        await using var emu = await Emulator.StartAsync("--fault", "failed-task:qmstart");
        using var client = emu.Client();
        var vm = await emu.CloneAsync(client, 100);
        var upid = await client.StartAsync(vm, Emulator.Timeout());
        var e = await Assert.ThrowsAsync<PveTaskException>(() =>
            PveTasks.WaitAsync(client, upid, "start", TimeSpan.FromSeconds(20), Emulator.Timeout(), TimeSpan.FromMilliseconds(50)));
        Assert.Contains("injected fault", e.Message, StringComparison.Ordinal);
        Assert.Contains("TASK ERROR", emu.Api.Tasks.Get(upid).Lines()[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lost_clone_response_leaves_the_clone_behind_for_the_retry_to_find()
    {
        await using var emu = await Emulator.StartAsync("--fault", "lost-clone-response");
        using var client = emu.Client(retries: 1);
        // The client does not repeat a clone whose answer was lost (the provisioner settles it from the config), so
        // the caller sees the lost connection while the clone exists on the node.
        await Assert.ThrowsAsync<PveConnectionException>(() =>
            client.CloneAsync(emu.Template, new PveCloneRequest(100, "a", false, null, null), Emulator.Timeout()));
        Assert.NotNull(emu.Api.Store.Find(100));
        var again = await Assert.ThrowsAsync<PveApiException>(() =>
            client.CloneAsync(emu.Template, new PveCloneRequest(100, "a", false, null, null), Emulator.Timeout()));
        Assert.True(again.IsAlreadyExists, again.Message);
    }

    [Fact]
    public async Task Agent_answers_only_while_running_and_late_when_told()
    {
        await using var emu = await Emulator.StartAsync("--fault", "agent-late:1");
        using var client = emu.Client();
        var vm = await emu.CloneAsync(client, 100);
        await client.SetConfigAsync(vm, new Dictionary<string, string> { ["agent"] = "1" }, Emulator.Timeout());
        var stopped = await Assert.ThrowsAsync<PveApiException>(() => client.GetInterfacesAsync(vm, Emulator.Timeout()));
        Assert.Equal("VM 100 is not running", stopped.PveError);
        await PveTasks.WaitAsync(client, await client.StartAsync(vm, Emulator.Timeout()), "start", TimeSpan.FromSeconds(20), Emulator.Timeout());
        var late = await Assert.ThrowsAsync<PveApiException>(() => client.GetInterfacesAsync(vm, Emulator.Timeout()));
        Assert.Equal("QEMU guest agent is not running", late.PveError);
        await Task.Delay(1100, TestContext.Current.CancellationToken);
        var nics = await client.GetInterfacesAsync(vm, Emulator.Timeout());
        Assert.Contains(nics, n => n.Name == "eth0" && n.Addresses.Any(a => a.Type == "ipv4" && a.Address.StartsWith("127.0.1.", StringComparison.Ordinal)));
        var status = await client.GetStatusAsync(vm, Emulator.Timeout());
        Assert.Equal("running", status.Status);
        Assert.Equal(0, status.Cpu); // a worker's first answer
        var running = await Assert.ThrowsAsync<PveApiException>(() => client.DestroyAsync(vm, Emulator.Timeout()));
        Assert.Equal("VM 100 is running - destroy failed", running.PveError);
        await PveTasks.WaitAsync(client, await client.StopAsync(vm, Emulator.Timeout()), "stop", TimeSpan.FromSeconds(20), Emulator.Timeout());
        await PveTasks.WaitAsync(client, await client.DestroyAsync(vm, Emulator.Timeout()), "destroy", TimeSpan.FromSeconds(20), Emulator.Timeout());
        Assert.Null(emu.Api.Store.Find(100));
    }

    [Fact]
    public async Task Every_authenticated_request_goes_through_the_validator_and_is_counted()
    {
        await using var emu = await Emulator.StartAsync();
        using var client = emu.Client();
        await client.GetVersionAsync(Emulator.Timeout());
        await client.GetGuestsAsync(Emulator.Timeout());
        Assert.Equal(2, emu.Host.Validator.Validated);
        Assert.Equal(0, emu.Host.Validator.Refused);
    }
}
