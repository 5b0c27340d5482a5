using System.Globalization;

namespace PveEmulator;

/// <summary>
/// Containers' start, stop, destroy and status/current, as pve-container's PVE::API2::LXC::Status, destroy_vm and
/// PVE::LXC::vmstatus do them: the checks made before the task (answered at once) and those made in it.
/// </summary>
public sealed partial class PveApi
{
    private string StartContainer(ApiCall call, EmuGuest ct)
    {
        if (Containers.IsAlive(ct)) throw new PveError(500, $"CT {ct.VmId} already running");
        return Tasks.Start("vzstart", ct.VmId.ToString(CultureInfo.InvariantCulture), call.User, (task, token) => StartContainerWorkAsync(task, ct, token));
    }

    private async Task StartContainerWorkAsync(EmuTask task, EmuGuest ct, CancellationToken cancellationToken)
    {
        using (await Store.LockAsync(ct, cancellationToken).ConfigureAwait(false))
        {
            lock (Store.Gate)
            {
                if (ct.Template) throw new PveError(500, "you can't start a CT if it's a template");
                GuestStore.CheckNoLock(ct);
            }
            await Containers.StartAsync(ct, cancellationToken).ConfigureAwait(false);
            ct.StartedAt = DateTime.UtcNow;
            ct.LastCpuSample = null;
            ct.Status = "running";
            task.Log($"starting CT {ct.VmId} (ssh published on {ct.Address}:22)");
        }
    }

    private string StopContainer(ApiCall call, EmuGuest ct, bool graceful)
    {
        if (!Containers.IsAlive(ct)) throw new PveError(500, $"CT {ct.VmId} not running");
        // lxc-stop's shutdown waits 60 s by default before it gives up (forceStop then kills).
        var timeout = int.TryParse(call.P.GetValueOrDefault("timeout"), out var t) ? t : 60;
        return Tasks.Start(graceful ? "vzshutdown" : "vzstop", ct.VmId.ToString(CultureInfo.InvariantCulture), call.User, async (_, token) =>
        {
            using (await Store.LockAsync(ct, token).ConfigureAwait(false))
            {
                await Containers.StopAsync(ct, graceful, TimeSpan.FromSeconds(timeout), token).ConfigureAwait(false);
                ct.Status = "stopped";
                ct.Address = null;
            }
        });
    }

    private string DestroyContainer(ApiCall call, EmuGuest ct)
    {
        if (Containers.IsAlive(ct) && call.P.GetValueOrDefault("force") != "1") throw new PveError(500, $"unable to destroy CT {ct.VmId} - container is running");
        return Tasks.Start("vzdestroy", ct.VmId.ToString(CultureInfo.InvariantCulture), call.User, async (task, token) =>
        {
            using (await Store.LockAsync(ct, token).ConfigureAwait(false))
            {
                lock (Store.Gate)
                {
                    GuestStore.CheckNoLock(ct);
                    if (ct.Config.GetValueOrDefault("protection") == "1") throw new PveError(500, "can't remove CT - protection mode enabled");
                }
                await Containers.DestroyAsync(ct, token).ConfigureAwait(false);
                Store.Remove(ct);
                task.Log($"purging CT {ct.VmId} from related configurations..");
            }
        });
    }

    /// <summary>
    /// vmstatus of one container: cpus = cores, else cpulimit, else the host's CPUs; cpu = cgroup CPU time over wall
    /// time per cpus, since this worker's previous answer (the first is 0; within 1/hostcpus s the last value again);
    /// mem and swap from the cgroup without page cache; maxmem/maxswap from memory/swap (defaults 512 MiB).
    /// </summary>
    private Dictionary<string, object?> ContainerStatus(EmuGuest ct)
    {
        var usage = Containers.Usage(ct);
        var running = usage is not null;
        if (ct.Status == "running" && !running) ct.Status = "stopped"; // the container died under us: PVE reports it stopped
        var hostCpus = Environment.ProcessorCount;
        double cpus;
        lock (Store.Gate)
        {
            cpus = ct.IntConfig("cores", 0) is > 0 and var cores ? cores
                : double.TryParse(ct.Config.GetValueOrDefault("cpulimit"), NumberStyles.Float, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : hostCpus;
        }
        var size = System.Text.RegularExpressions.Regex.Match(ct.Config.GetValueOrDefault("rootfs", ""), @"size=([0-9]+)G").Groups[1].Value;
        var s = new Dictionary<string, object?>
        {
            ["vmid"] = ct.VmId, ["type"] = "lxc", ["name"] = ct.Name ?? $"CT{ct.VmId}", ["status"] = running ? "running" : "stopped", ["cpus"] = cpus,
            ["maxmem"] = ct.IntConfig("memory", 512) * 1024L * 1024L, ["maxswap"] = ct.IntConfig("swap", 512) * 1024L * 1024L,
            ["maxdisk"] = (long.TryParse(size, out var gib) ? gib : 4) << 30, ["disk"] = 0, ["netin"] = 0, ["netout"] = 0, ["diskread"] = 0, ["diskwrite"] = 0,
            ["uptime"] = usage?.UptimeSeconds ?? 0, ["cpu"] = 0, ["mem"] = usage?.MemBytes ?? 0, ["swap"] = usage?.SwapBytes ?? 0,
            ["ha"] = new Dictionary<string, object> { ["managed"] = 0 },
        };
        if (ct.Template) s["template"] = 1;
        if (ct.Lock is { } lk) s["lock"] = lk;
        if (ct.Config.TryGetValue("tags", out var tags)) s["tags"] = tags;
        if (usage is null) return s;
        foreach (var (k, v) in usage.Pressure) s[k] = v;
        var now = DateTime.UtcNow;
        lock (ct)
        {
            var last = ct.LastCpuSample;
            if (last is null)
            {
                ct.LastCpuSample = (usage.CpuSeconds, now, 0);
            }
            else if ((now - last.Value.At).TotalSeconds * hostCpus > 1)
            {
                var cpu = (usage.CpuSeconds - last.Value.CpuSeconds) / (now - last.Value.At).TotalSeconds / cpus;
                ct.LastCpuSample = (usage.CpuSeconds, now, cpu);
                s["cpu"] = Math.Max(0, cpu);
            }
            else
            {
                s["cpu"] = last.Value.Cpu;
            }
        }
        return s;
    }
}
