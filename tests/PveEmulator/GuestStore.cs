using System.Security.Cryptography;
using System.Text;

namespace PveEmulator;

/// <summary>An error the way PVE answers it: HTTP status, the message (also the reason phrase), per-parameter errors.</summary>
public sealed class PveError(int status, string message, IReadOnlyDictionary<string, string>? errors = null) : Exception(message)
{
    public int Status { get; } = status;
    public IReadOnlyDictionary<string, string>? Errors { get; } = errors;

    public static PveError BadParameter(string name, string error) => new(400, "Parameter verification failed.", new Dictionary<string, string> { [name] = error });
}

/// <summary>One guest's config and run state. <see cref="Config"/> is only touched under <see cref="GuestStore.Gate"/>.</summary>
public sealed class EmuGuest(int vmId, string node, string kind)
{
    public int VmId { get; } = vmId;
    public string Node { get; } = node;
    public string Kind { get; } = kind; // qemu | lxc, as in /cluster/resources
    public SortedDictionary<string, string> Config { get; } = new(StringComparer.Ordinal);
    public string Status { get; set; } = "stopped";
    public bool Template => Config.GetValueOrDefault("template") == "1";
    public string? Lock => Config.GetValueOrDefault("lock");
    public string? Name => Config.GetValueOrDefault(Kind == "qemu" ? "name" : "hostname");

    /// <summary>PVE's flock on the config file: tasks hold it while they run, config writes briefly.</summary>
    public SemaphoreSlim FileLock { get; } = new(1, 1);

    public string? DiskPath { get; set; }
    /// <summary>The loopback address the VM's SSH is forwarded from while it runs (127.0.1.N).</summary>
    public string? Address { get; set; }
    public DateTime StartedAt { get; set; }
    public object? Runtime { get; set; }

    /// <summary>The previous status/current sample, as each pvedaemon worker keeps one (cpu is a rate since then).</summary>
    public (double CpuSeconds, DateTime At, double Cpu)? LastCpuSample { get; set; }

    public string ConfPath => Kind == "qemu" ? $"/etc/pve/nodes/{Node}/qemu-server/{VmId}.conf" : $"/etc/pve/nodes/{Node}/lxc/{VmId}.conf";

    public string Label => Kind == "qemu" ? "VM" : "CT";

    public int Cpus => Math.Max(1, IntConfig("cores", 1) * IntConfig("sockets", 1));

    public long MaxMemBytes => IntConfig("memory", Kind == "qemu" ? 2048 : 512) * 1024L * 1024L;

    public int IntConfig(string key, int fallback) => int.TryParse(Config.GetValueOrDefault(key), out var v) ? v : fallback;

    public string Digest() => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(string.Join("\n", Config.Select(c => $"{c.Key}: {c.Value}")))));
}

/// <summary>All guests of the node, the VMID allocator and the config-lock rules.</summary>
public sealed class GuestStore(TimeSpan lockTimeout)
{
    private readonly Dictionary<int, EmuGuest> _guests = [];

    public Lock Gate { get; } = new();

    public TimeSpan LockTimeout { get; set; } = lockTimeout;

    public IReadOnlyList<EmuGuest> All()
    {
        lock (Gate) return _guests.Values.OrderBy(g => g.VmId).ToList();
    }

    public EmuGuest? Find(int vmid)
    {
        lock (Gate) return _guests.GetValueOrDefault(vmid);
    }

    /// <summary>The guest at nodes/{node}/{kind}/{vmid}, or PVE's error for a config file that is not there.</summary>
    public EmuGuest Get(string node, string kind, int vmid)
    {
        lock (Gate)
        {
            if (_guests.TryGetValue(vmid, out var g) && g.Node == node && g.Kind == kind) return g;
        }
        var dir = kind == "qemu" ? "qemu-server" : "lxc";
        throw new PveError(500, $"Configuration file 'nodes/{node}/{dir}/{vmid}.conf' does not exist");
    }

    /// <summary>Creates the config at once (as PVE's create_and_lock_config), or fails as PVE does when the VMID is taken.</summary>
    public EmuGuest Create(int vmid, string node, string kind, IDictionary<string, string> config)
    {
        lock (Gate)
        {
            if (_guests.ContainsKey(vmid))
            {
                throw new PveError(500, kind == "qemu"
                    ? $"unable to create VM {vmid}: config file already exists"
                    : $"unable to create CT {vmid} - CT {vmid} already exists on node '{node}'");
            }
            var g = new EmuGuest(vmid, node, kind);
            foreach (var (k, v) in config) g.Config[k] = v;
            _guests[vmid] = g;
            return g;
        }
    }

    public void Remove(EmuGuest g)
    {
        lock (Gate) _guests.Remove(g.VmId);
    }

    /// <summary>/cluster/nextid: the lowest free VMID from 100. It reserves nothing, as on PVE.</summary>
    public int NextId()
    {
        lock (Gate)
        {
            var id = 100;
            while (_guests.ContainsKey(id)) id++;
            return id;
        }
    }

    public bool IsTaken(int vmid)
    {
        lock (Gate) return _guests.ContainsKey(vmid);
    }

    /// <summary>Waits for the guest's config lock as PVE's lock_config does, and fails with its words after the timeout.</summary>
    public async Task<IDisposable> LockAsync(EmuGuest g, CancellationToken cancellationToken, bool injectTimeout = false)
    {
        if (injectTimeout || !await g.FileLock.WaitAsync(LockTimeout, cancellationToken).ConfigureAwait(false))
        {
            if (injectTimeout) await Task.Delay(LockTimeout, cancellationToken).ConfigureAwait(false);
            var dir = g.Kind == "qemu" ? "qemu-server" : "lxc";
            throw new PveError(500, $"can't lock file '/var/lock/{dir}/lock-{g.VmId}.conf' - got timeout");
        }
        return new Releaser(g.FileLock);
    }

    /// <summary>The 'lock' property (clone, create, ...) refuses changes outright, unlike the file lock.</summary>
    public static void CheckNoLock(EmuGuest g)
    {
        if (g.Lock is { } l) throw new PveError(500, $"{g.Label} is locked ({l})");
    }

    private sealed class Releaser(SemaphoreSlim s) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) s.Release();
        }
    }
}
