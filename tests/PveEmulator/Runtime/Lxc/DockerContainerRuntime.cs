using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace PveEmulator.Runtime.Lxc;

/// <summary>
/// Containers of the local Docker engine (through its CLI), one per PVE container: made from the guest image at
/// create (root's keys written into it then, as PVE writes them into the rootfs), labelled io.pve-emu.owner=PID,
/// cgroup under the emulator's own, lxcfs's proc files mounted over theirs, SSH published on a loopback address of
/// their own. A watchdog with a parent-death signal removes them even when the emulator is killed outright.
/// </summary>
public sealed class DockerContainerRuntime : IContainerRuntime
{
    public const string OwnerLabel = "io.pve-emu.owner";
    public const string Archive = "local:vztmpl/harness-guest.tar.zst";
    private static readonly TimeSpan DockerTimeout = TimeSpan.FromSeconds(60);

    private readonly string _image;
    private readonly string _stateDir;
    private readonly LoopbackAddresses _addresses;
    private readonly Cgroups _cgroups;
    private readonly string? _cgroupParent;
    private readonly Lxcfs? _lxcfs;
    private readonly Spawner _spawner;
    private readonly Process? _watchdog;
    private readonly string? _unavailable;
    private readonly ConcurrentDictionary<int, Ct> _cts = new();
    private readonly string _owner = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    private DockerContainerRuntime(string image, string stateDir, LoopbackAddresses addresses, Cgroups cgroups, string? cgroupParent, Lxcfs? lxcfs,
        Spawner spawner, Process? watchdog, string? unavailable)
    {
        (_image, _stateDir, _addresses, _cgroups, _cgroupParent, _lxcfs, _spawner, _watchdog, _unavailable) =
            (image, stateDir, addresses, cgroups, cgroupParent, lxcfs, spawner, watchdog, unavailable);
    }

    public string Description => _unavailable ?? $"Docker containers of {_image}, cgroup parent {_cgroupParent ?? "(the engine's: systemd driver)"}, {_lxcfs!.Status}";

    public IReadOnlyList<string> Archives => [Archive];

    /// <summary>Checks the engine and the image, removes containers of emulators that died, starts lxcfs and the watchdog.</summary>
    public static async Task<DockerContainerRuntime> StartAsync(
        string image, string stateDir, LoopbackAddresses addresses, bool useLxcfs, CancellationToken cancellationToken)
    {
        var spawner = new Spawner();
        var cgroups = new Cgroups();
        string driver;
        try
        {
            driver = (await Docker(["info", "-f", "{{.CgroupDriver}}"], cancellationToken).ConfigureAwait(false)).Trim();
            await Docker(["image", "inspect", "-f", "{{.Id}}", image], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PveError or System.ComponentModel.Win32Exception)
        {
            return new DockerContainerRuntime(image, stateDir, addresses, cgroups, null, null, spawner, null,
                $"no containers: Docker or its image {image} is not available ({e.Message.Trim()}); start Docker (ci/setup-docker.sh) and build the image (ci/build-guest-image.sh)");
        }
        await RemoveOrphansAsync(cancellationToken).ConfigureAwait(false);
        var lxcfs = useLxcfs ? await Lxcfs.StartAsync(stateDir, spawner, cancellationToken).ConfigureAwait(false) : Lxcfs.None(stateDir, "no lxcfs (--no-lxcfs)");
        var own = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var psi = new ProcessStartInfo("setpriv") { UseShellExecute = false };
        // SIGTERM when the emulator's spawner thread ends, however the emulator ended: its containers are removed then.
        foreach (var a in (string[])["--pdeathsig", "TERM", "--", "sh", "-c",
                     $"trap 'kill $! 2>/dev/null; docker ps -aq --filter label={OwnerLabel}={own} | xargs -r docker rm -f >/dev/null 2>&1; exit 0' TERM; " +
                     "while :; do sleep 3600 & wait $!; done"])
        {
            psi.ArgumentList.Add(a);
        }
        var watchdog = await spawner.StartAsync(psi).ConfigureAwait(false);
        return new DockerContainerRuntime(image, stateDir, addresses, cgroups, driver == "cgroupfs" ? cgroups.ContainerParent : null, lxcfs, spawner, watchdog, null);
    }

    public async Task CreateAsync(EmuGuest ct, string ostemplate, string? sshPublicKeys, CancellationToken cancellationToken)
    {
        if (_unavailable is not null) throw new PveError(500, _unavailable);
        var dir = Directory.CreateDirectory(Path.Combine(_stateDir, $"ct-{ct.VmId}")).FullName;
        var keys = Path.Combine(dir, "ssh-public-keys");
        await File.WriteAllTextAsync(keys, (sshPublicKeys ?? "").Trim() + "\n", cancellationToken).ConfigureAwait(false);
        var address = _addresses.Allocate(ct.VmId);
        try
        {
            var args = new List<string>
            {
                "create", "--name", $"pve-emu-{_owner}-ct{ct.VmId}", "--label", $"{OwnerLabel}={_owner}", "--label", $"io.pve-emu.vmid={ct.VmId}",
                "--hostname", ct.Name ?? $"CT{ct.VmId}", "-p", $"{address}:22:22", "--entrypoint", "/bin/sh",
            };
            if (_cgroupParent is not null) args.AddRange(["--cgroup-parent", _cgroupParent]);
            // eth0 gets the hwaddr PVE wrote into net0, so interfaces reports the MAC the config shows.
            if (System.Text.RegularExpressions.Regex.Match(ct.Config.GetValueOrDefault("net0", ""), "hwaddr=([0-9A-Fa-f:]{17})") is { Success: true } mac)
            {
                args.AddRange(["--mac-address", mac.Groups[1].Value.ToLowerInvariant()]);
            }
            args.AddRange(ContainerLimits.CreateArguments(ct));
            args.AddRange(_lxcfs!.VolumeArguments());
            // The image's entrypoint installs HARNESS_AUTHORIZED_KEY as root's authorized_keys; here it comes from the
            // file written into the container below, not from the command line or the environment.
            args.AddRange([_image, "-c", "k=$(cat /etc/pve-emu-ssh-public-keys 2>/dev/null); HARNESS_AUTHORIZED_KEY=\"${k:-# no ssh-public-keys at create}\" exec /usr/local/sbin/harness-guest-entrypoint"]);
            var id = (await Docker(args, cancellationToken).ConfigureAwait(false)).Trim();
            _cts[ct.VmId] = new Ct(id, address);
            await Docker(["cp", keys, $"{id}:/etc/pve-emu-ssh-public-keys"], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (!_cts.ContainsKey(ct.VmId)) _addresses.Release(address);
            throw;
        }
    }

    public async Task StartAsync(EmuGuest ct, CancellationToken cancellationToken)
    {
        var c = Get(ct);
        c.Cpus = ContainerLimits.PickCpus(ct, _cts.Where(x => x.Key != ct.VmId).Select(x => x.Value.Cpus));
        await Docker(["update", .. ContainerLimits.UpdateArguments(ct, c.Cpus), c.Id], cancellationToken).ConfigureAwait(false);
        await Docker(["start", c.Id], cancellationToken).ConfigureAwait(false);
        var state = (await Docker(["inspect", "-f", "{{.State.Pid}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", c.Id], cancellationToken).ConfigureAwait(false))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var pid = int.Parse(state[0], CultureInfo.InvariantCulture);
        if (pid == 0) throw new PveError(500, $"startup for container '{ct.VmId}' failed");
        c.EngineAddress = state.ElementAtOrDefault(1);
        c.Stats = new ContainerCgroupStats(pid);
        ct.Address = c.Address;
    }

    public async Task StopAsync(EmuGuest ct, bool graceful, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var c = Get(ct);
        var seconds = graceful ? Math.Max(0, (int)timeout.TotalSeconds) : 0;
        await Docker(["stop", "-t", seconds.ToString(CultureInfo.InvariantCulture), c.Id], cancellationToken, TimeSpan.FromSeconds(seconds + 30)).ConfigureAwait(false);
        c.Stats = null;
        c.Cpus = null;
    }

    public bool IsAlive(EmuGuest ct) =>
        _cts.TryGetValue(ct.VmId, out var c) && c.Stats is { } s && Directory.Exists($"/proc/{s.InitPid}");

    public async Task DestroyAsync(EmuGuest ct, CancellationToken cancellationToken)
    {
        if (!_cts.TryRemove(ct.VmId, out var c)) return;
        await Docker(["rm", "-f", "-v", c.Id], cancellationToken).ConfigureAwait(false);
        _addresses.Release(c.Address);
        var dir = Path.Combine(_stateDir, $"ct-{ct.VmId}");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    public async Task<JsonNode?> InterfacesAsync(EmuGuest ct, CancellationToken cancellationToken)
    {
        if (!IsAlive(ct) || !_cts.TryGetValue(ct.VmId, out var c) || c.Stats is not { } s) return null;
        // As PVE: 'ip --json a' of the host, run in the container's network namespace.
        var text = await ProcessRunner.CaptureAsync("nsenter", ["-t", s.InitPid.ToString(CultureInfo.InvariantCulture), "--net", "--", "ip", "--json", "a"],
            TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        return LxcInterfaces.FromIpJson(JsonNode.Parse(text)!, c.EngineAddress, c.Address);
    }

    public ContainerUsage? Usage(EmuGuest ct) => IsAlive(ct) && _cts.TryGetValue(ct.VmId, out var c) ? c.Stats?.Read() : null;

    public async Task ApplyLimitsAsync(EmuGuest ct, CancellationToken cancellationToken)
    {
        if (!IsAlive(ct)) return;
        var c = Get(ct);
        c.Cpus = ContainerLimits.PickCpus(ct, _cts.Where(x => x.Key != ct.VmId).Select(x => x.Value.Cpus));
        await Docker(["update", .. ContainerLimits.UpdateArguments(ct, c.Cpus), c.Id], cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_unavailable is null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await RemoveOwnedAsync(_owner, cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PveError or OperationCanceledException)
            {
                Console.Error.WriteLine($"pve-emulator: removing containers: {e.Message.Trim()} (the watchdog tries again)");
            }
        }
        if (_lxcfs is not null) await _lxcfs.DisposeAsync().ConfigureAwait(false);
        if (_watchdog is { HasExited: false } w)
        {
            using var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", w.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            if (term is not null) await term.WaitForExitAsync().ConfigureAwait(false);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await w.WaitForExitAsync(wait.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
        _watchdog?.Dispose();
        _spawner.Dispose();
        _cgroups.RemoveContainerParents();
    }

    private Ct Get(EmuGuest ct) => _cts.TryGetValue(ct.VmId, out var c) ? c : throw new PveError(500, _unavailable ?? $"CT {ct.VmId} has no container behind it");

    /// <summary>Containers whose emulator is gone (it was killed before its watchdog could act, or on another boot).</summary>
    private static async Task RemoveOrphansAsync(CancellationToken cancellationToken)
    {
        var lines = await Docker(["ps", "-a", "--filter", $"label={OwnerLabel}", "--format", $"{{{{.Label \"{OwnerLabel}\"}}}}"], cancellationToken).ConfigureAwait(false);
        foreach (var owner in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct())
        {
            if (int.TryParse(owner, out var pid) && !Directory.Exists($"/proc/{pid}")) await RemoveOwnedAsync(owner, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task RemoveOwnedAsync(string owner, CancellationToken cancellationToken)
    {
        var ids = (await Docker(["ps", "-aq", "--filter", $"label={OwnerLabel}={owner}"], cancellationToken).ConfigureAwait(false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (ids.Length > 0) await Docker(["rm", "-f", "-v", .. ids], cancellationToken).ConfigureAwait(false);
    }

    private static Task<string> Docker(IEnumerable<string> args, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        ProcessRunner.CaptureAsync("docker", args, timeout ?? DockerTimeout, cancellationToken);

    private sealed class Ct(string id, string address)
    {
        public string Id { get; } = id;
        public string Address { get; } = address;
        public string? EngineAddress { get; set; }
        public ContainerCgroupStats? Stats { get; set; }
        public int[]? Cpus { get; set; }
    }
}
