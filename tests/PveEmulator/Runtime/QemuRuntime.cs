using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace PveEmulator.Runtime;

/// <summary>
/// Real VMs: one QEMU process per running guest, booted directly from the image's kernel and initrd, a qcow2 disk
/// (overlay on the template for a linked clone), a NoCloud seed, the guest agent on a unix socket, and SSH
/// forwarded from the guest's own loopback address 127.0.1.N. QEMU dies with the emulator (parent-death signal).
/// </summary>
public sealed class QemuRuntime : IGuestRuntime
{
    private readonly string _imageDir;
    private readonly string _stateDir;
    private readonly string _accel;
    private readonly Cgroups _cgroups = new();
    private readonly Spawner _spawner = new();
    private readonly ConcurrentDictionary<int, Vm> _vms = new();
    private readonly LoopbackAddresses _addresses;
    private readonly ConcurrentDictionary<int, SemaphoreSlim> _agentGates = new();

    public QemuRuntime(string imageDir, string stateDir, string accel, LoopbackAddresses addresses)
    {
        _addresses = addresses;
        _imageDir = imageDir;
        _stateDir = stateDir;
        _accel = accel;
        foreach (var f in new[] { "template.qcow2", "vmlinuz", "initrd.img" })
        {
            if (!File.Exists(Path.Combine(imageDir, f)))
            {
                throw new FileNotFoundException($"{Path.Combine(imageDir, f)} is missing: build the image with 'idle-run bash ci/pve/build-emulator-image.sh' (or use --no-vms)");
            }
        }
        _cgroups.RemoveStale();
        var version = ProcessRunner.OutputAsync("qemu-system-x86_64", "--version", TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        QemuVersion = version.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(3)?.Trim() ?? "?";
    }

    public string Description => $"QEMU {QemuVersion} ({_accel}), {_cgroups.Describe}, image {_imageDir}";

    public string? TemplateDisk => Path.Combine(_imageDir, "template.qcow2");

    public string? QemuVersion { get; }

    private string Dir(EmuGuest g) => Directory.CreateDirectory(Path.Combine(_stateDir, $"vm-{g.VmId}")).FullName;

    public async Task CloneDiskAsync(EmuGuest source, EmuGuest target, bool full, CancellationToken cancellationToken)
    {
        var src = source.DiskPath ?? throw new PveError(500, $"VM {source.VmId} has no disk");
        var disk = Path.Combine(Dir(target), "disk.qcow2");
        string[] args = full
            ? ["convert", "-O", "qcow2", src, disk]
            : ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", src, disk];
        await ProcessRunner.RunAsync("qemu-img", args, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        target.DiskPath = disk;
    }

    public async Task StartAsync(EmuGuest g, CancellationToken cancellationToken)
    {
        var dir = Dir(g);
        var mac = g.Config.GetValueOrDefault("net0", "").Split(',')[0].Split('=').ElementAtOrDefault(1) ?? FakeRuntime.Mac(g.VmId);
        var iso = Path.Combine(dir, "cloudinit.iso");
        await CloudInitSeed.BuildAsync(g, mac, dir, iso, cancellationToken).ConfigureAwait(false);
        var address = _addresses.Allocate(g.VmId);
        var qga = Path.Combine(dir, "qga.sock");
        var qmp = Path.Combine(dir, "qmp.sock");
        File.Delete(qga);
        File.Delete(qmp);
        var psi = new ProcessStartInfo("setpriv") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        // The parent-death signal kills QEMU even when the emulator itself is killed outright: no VM outlives it.
        // restrict=on: a guest reaches nothing beyond its user-mode LAN (not the host, not the outside); the SSH
        // forward from 127.0.1.N still works, so all traffic stays on loopback.
        foreach (var a in (string[])["--pdeathsig", "KILL", "--", "qemu-system-x86_64", "-name", $"vm{g.VmId}",
                     "-machine", $"q35,accel={_accel}", "-cpu", _accel == "kvm" ? "host" : "max",
                     "-smp", g.Cpus.ToString(CultureInfo.InvariantCulture), "-m", (g.MaxMemBytes >> 20).ToString(CultureInfo.InvariantCulture),
                     "-nodefaults", "-display", "none", "-serial", $"file:{Path.Combine(dir, "console.log")}",
                     "-kernel", Path.Combine(_imageDir, "vmlinuz"), "-initrd", Path.Combine(_imageDir, "initrd.img"),
                     "-append", "root=/dev/vda rw console=ttyS0 net.ifnames=0",
                     "-drive", $"file={g.DiskPath},if=virtio,format=qcow2,cache=unsafe",
                     "-drive", $"file={iso},if=virtio,format=raw,readonly=on",
                     "-netdev", $"user,id=net0,restrict=on,hostfwd=tcp:{address}:22-:22", "-device", $"virtio-net-pci,netdev=net0,mac={mac}",
                     "-chardev", $"socket,id=qga0,path={qga},server=on,wait=off", "-device", "virtio-serial",
                     "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
                     "-qmp", $"unix:{qmp},server=on,wait=off"])
        {
            psi.ArgumentList.Add(a);
        }
        var process = await _spawner.StartAsync(psi).ConfigureAwait(false);
        var vm = new Vm(process, address, qmp, qga);
        process.ErrorDataReceived += (_, e) => vm.AddError(e.Data);
        process.BeginErrorReadLine();
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        _vms[g.VmId] = vm;
        g.Address = address;
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(qmp))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                await KillAsync(g.VmId).ConfigureAwait(false);
                throw new PveError(500, $"start failed: QEMU exited with code {(process.HasExited ? process.ExitCode : -1)}: {vm.Errors}");
            }
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        _cgroups.Enter(g.VmId, process.Id, CpuLimit(g), CpuUnits(g));
    }

    public async Task StopAsync(EmuGuest g, bool graceful, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_vms.TryGetValue(g.VmId, out var vm)) return;
        if (graceful && !vm.Process.HasExited)
        {
            try
            {
                await Qmp.ExecuteAsync(vm.QmpSocket, "system_powerdown", cancellationToken).ConfigureAwait(false);
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(timeout);
                await vm.Process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or PveError or IOException && !cancellationToken.IsCancellationRequested)
            {
                // Not down within the timeout: PVE's shutdown task then fails unless forceStop; we stop it hard either way.
            }
        }
        await KillAsync(g.VmId).ConfigureAwait(false);
    }

    public bool IsAlive(EmuGuest g) => _vms.TryGetValue(g.VmId, out var vm) && !vm.Process.HasExited;

    public async Task DestroyDiskAsync(EmuGuest g, CancellationToken cancellationToken)
    {
        await KillAsync(g.VmId).ConfigureAwait(false);
        var dir = Path.Combine(_stateDir, $"vm-{g.VmId}");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    public async Task<JsonNode> AgentInterfacesAsync(EmuGuest g, CancellationToken cancellationToken)
    {
        if (!_vms.TryGetValue(g.VmId, out var vm)) throw new PveError(500, $"VM {g.VmId} is not running");
        // QEMU's chardev serves one client at a time; PVE serialises agent commands per VM too.
        var gate = _agentGates.GetOrAdd(g.VmId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await GuestAgentClient.ExecuteAsync(vm.QgaSocket, "guest-network-get-interfaces", cancellationToken).ConfigureAwait(false);
            RewriteUserModeAddress(result, vm.Address);
            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The one rewrite: user-mode networking gives every guest 10.0.2.15, unreachable from the host; the guest's SSH
    /// is reachable at its own 127.0.1.N instead, so that is the IPv4 address reported for it.
    /// </summary>
    internal static void RewriteUserModeAddress(JsonNode result, string address)
    {
        foreach (var nic in result.AsArray())
        {
            if (nic?["name"]?.GetValue<string>() == "lo" || nic?["ip-addresses"] is not JsonArray ips) continue;
            foreach (var ip in ips)
            {
                if (ip?["ip-address-type"]?.GetValue<string>() == "ipv4" && ip["ip-address"]?.GetValue<string>()?.StartsWith("10.0.2.", StringComparison.Ordinal) == true)
                {
                    ip["ip-address"] = address;
                }
            }
        }
    }

    public GuestUsage Usage(EmuGuest g)
    {
        if (!_vms.TryGetValue(g.VmId, out var vm) || vm.Process.HasExited) return new GuestUsage(0, 0, new Dictionary<string, double>());
        var (cpu, rss) = ProcessStats.Read(vm.Process.Id);
        return new GuestUsage(cpu, rss, _cgroups.Pressure(g.VmId));
    }

    public void ApplyLimits(EmuGuest g) => _cgroups.Apply(g.VmId, CpuLimit(g), CpuUnits(g));

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _vms.Keys) await KillAsync(id).ConfigureAwait(false);
        _cgroups.RemoveAll();
        _spawner.Dispose();
    }

    private static double CpuLimit(EmuGuest g) =>
        double.TryParse(g.Config.GetValueOrDefault("cpulimit"), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static int? CpuUnits(EmuGuest g) => int.TryParse(g.Config.GetValueOrDefault("cpuunits"), out var v) ? v : null;

    private async Task KillAsync(int vmid)
    {
        if (!_vms.TryRemove(vmid, out var vm)) return;
        try
        {
            if (!vm.Process.HasExited) vm.Process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await vm.Process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
        }
        vm.Process.Dispose();
        _addresses.Release(vm.Address);
        _cgroups.Remove(vmid);
    }

    private sealed class Vm(Process process, string address, string qmpSocket, string qgaSocket)
    {
        private readonly List<string> _errors = [];
        public Process Process { get; } = process;
        public string Address { get; } = address;
        public string QmpSocket { get; } = qmpSocket;
        public string QgaSocket { get; } = qgaSocket;

        public string Errors
        {
            get
            {
                lock (_errors) return string.Join(" ", _errors.TakeLast(5));
            }
        }

        public void AddError(string? line)
        {
            if (line is null) return;
            lock (_errors) _errors.Add(line);
        }
    }
}
