using System.Collections.Concurrent;
using System.Diagnostics;

namespace PveEmulator;

/// <summary>One worker task as pvedaemon runs it: a UPID, a log, an exit status once it stops.</summary>
public sealed class EmuTask(string upid, string node, string type, string id, string user, int pid, long pstart, long startTime)
{
    private readonly List<string> _log = [];

    public string Upid { get; } = upid;
    public string Node { get; } = node;
    public string Type { get; } = type;
    public string Id { get; } = id;
    public string User { get; } = user;
    public int Pid { get; } = pid;
    public long PStart { get; } = pstart;
    public long StartTime { get; } = startTime;
    public string? ExitStatus { get; set; }
    public long? EndTime { get; set; }
    public bool Running => ExitStatus is null;

    public void Log(string line)
    {
        lock (_log) _log.Add(line);
    }

    public IReadOnlyList<string> Lines()
    {
        lock (_log) return _log.ToList();
    }
}

/// <summary>Starts work as PVE tasks (each with its own fake worker pid) and keeps them for status and log queries.</summary>
public sealed class TaskRegistry(string node, IReadOnlyList<Fault> faults, CancellationToken shutdown)
{
    private readonly ConcurrentDictionary<string, EmuTask> _tasks = new();
    private readonly List<Task> _running = [];
    private int _pid = Environment.ProcessId * 10;

    public string Start(string type, string id, string user, Func<EmuTask, CancellationToken, Task> work, Func<EmuTask, Task>? onFailure = null)
    {
        var pid = Interlocked.Increment(ref _pid);
        // pstart is the worker's start time in clock ticks since boot, as /proc/PID/stat has it.
        var pstart = (long)(Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency * 100);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var upid = $"UPID:{node}:{pid:X8}:{pstart:X8}:{now:X8}:{type}:{id}:{user}:";
        var task = new EmuTask(upid, node, type, id, user, pid, pstart, now);
        _tasks[upid] = task;
        Fault? failed, slow;
        lock (faults)
        {
            failed = faults.FirstOrDefault(f => f.Kind == FaultKind.FailedTask && f.TaskType == type && f.Remaining > 0);
            if (failed is not null) failed.Remaining--;
            slow = faults.FirstOrDefault(f => f.Kind == FaultKind.SlowTask && f.TaskType == type);
        }
        var run = Task.Run(async () =>
        {
            try
            {
                if (slow is not null) await Task.Delay(TimeSpan.FromSeconds(slow.Seconds), shutdown).ConfigureAwait(false);
                if (failed is not null) throw new PveError(500, $"{type} {id} failed: injected fault (failed-task:{type})");
                await work(task, shutdown).ConfigureAwait(false);
                task.Log("TASK OK");
                Finish(task, "OK");
            }
            catch (Exception e)
            {
                var message = e is OperationCanceledException ? "interrupted by signal" : e.Message.Trim();
                task.Log($"TASK ERROR: {message}");
                try
                {
                    if (onFailure is not null) await onFailure(task).ConfigureAwait(false);
                }
                finally
                {
                    Finish(task, message);
                }
            }
        });
        lock (_running) _running.Add(run);
        return upid;
    }

    public EmuTask Get(string upid) =>
        _tasks.TryGetValue(upid, out var t) ? t : throw new PveError(500, $"no such task '{upid}'");

    /// <summary>Lets running tasks end (they see the shutdown token) before guests are torn down under them.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        Task[] all;
        lock (_running) all = _running.ToArray();
        await Task.WhenAny(Task.WhenAll(all), Task.Delay(timeout)).ConfigureAwait(false);
    }

    private static void Finish(EmuTask task, string exit)
    {
        task.EndTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        task.ExitStatus = exit;
    }
}
