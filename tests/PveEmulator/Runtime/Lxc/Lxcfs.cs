using System.Diagnostics;

namespace PveEmulator.Runtime.Lxc;

/// <summary>
/// The emulator's own lxcfs (FUSE), mounted in its state directory: a container that has lxcfs's proc files
/// bind-mounted over its own sees /proc/stat, /proc/meminfo, /proc/cpuinfo … computed from its cgroup, as PVE's
/// containers do. lxcfs runs with a parent-death signal (SIGTERM, on which it unmounts itself).
/// </summary>
public sealed class Lxcfs : IAsyncDisposable
{
    /// <summary>What PVE's lxc.mount.hook (lxcfs's own hook) mounts over a container's /proc.</summary>
    private static readonly string[] ProcFiles = ["cpuinfo", "diskstats", "loadavg", "meminfo", "stat", "swaps", "uptime"];

    private readonly Process? _process;

    private Lxcfs(string mountPoint, Process? process, string status)
    {
        MountPoint = mountPoint;
        _process = process;
        Status = status;
    }

    public string MountPoint { get; }

    /// <summary>"lxcfs 5.0.3 at …" or why there is none (then containers see the host's /proc).</summary>
    public string Status { get; }

    public bool Available => _process is not null;

    /// <summary>docker run -v arguments: lxcfs's proc files over the container's, read-only.</summary>
    public IEnumerable<string> VolumeArguments() => Available
        ? ProcFiles.Where(f => File.Exists(Path.Combine(MountPoint, "proc", f))).SelectMany(f => new[] { "-v", $"{Path.Combine(MountPoint, "proc", f)}:/proc/{f}:ro" })
        : [];

    public static Lxcfs None(string stateDir, string why) => new(Path.Combine(stateDir, "lxcfs"), null, $"{why}: containers see the host's /proc");

    public static async Task<Lxcfs> StartAsync(string stateDir, Spawner spawner, CancellationToken cancellationToken)
    {
        var mount = Directory.CreateDirectory(Path.Combine(stateDir, "lxcfs")).FullName;
        if (!File.Exists("/usr/bin/lxcfs")) return new Lxcfs(mount, null, "no lxcfs (/usr/bin/lxcfs missing): containers see the host's /proc");
        if (!File.Exists("/dev/fuse")) return new Lxcfs(mount, null, "no lxcfs (/dev/fuse missing): containers see the host's /proc");
        var psi = new ProcessStartInfo("setpriv") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        // Its own pid file: the default /run/lxcfs.pid is locked by a system lxcfs where there is one.
        foreach (var a in (string[])["--pdeathsig", "TERM", "--", "/usr/bin/lxcfs", "-f", "-p", Path.Combine(stateDir, "lxcfs.pid"), mount]) psi.ArgumentList.Add(a);
        var process = await spawner.StartAsync(psi).ConfigureAwait(false);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var wait = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(mount, "proc", "meminfo")))
        {
            if (process.HasExited || wait.Elapsed > TimeSpan.FromSeconds(10))
            {
                if (!process.HasExited) process.Kill();
                return new Lxcfs(mount, null, $"no lxcfs (it {(process.HasExited ? $"exited with {process.ExitCode}" : "did not mount within 10 s")}): containers see the host's /proc");
            }
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        return new Lxcfs(mount, process, $"lxcfs at {mount}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited) _process.Kill(); // SIGKILL to setpriv's exec'd lxcfs: the mount is then lazily detached below
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
            {
            }
            _process.Dispose();
        }
        UnmountUnder(MountPoint);
    }

    /// <summary>Lazily unmounts every mount at or below <paramref name="dir"/> (an lxcfs whose daemon is gone), so it can be removed.</summary>
    public static void UnmountUnder(string dir)
    {
        var full = Path.GetFullPath(dir).TrimEnd('/');
        var mounts = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Where(p => p.Length > 4).Select(p => p[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(m => m == full || m.StartsWith(full + "/", StringComparison.Ordinal)).OrderByDescending(m => m.Length);
        foreach (var m in mounts)
        {
            using var p = Process.Start(new ProcessStartInfo("umount", ["-l", m]) { UseShellExecute = false, RedirectStandardError = true });
            p?.WaitForExit(5000);
        }
    }
}
