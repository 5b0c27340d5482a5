using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.Tests.Pve;

/// <summary>Tasks (UPIDs) of the fake: they run for a few polls, or fail, or hang, as armed.</summary>
public sealed partial class FakePveServer
{
    private string NewTask(string node, string type, int id, Action onSuccess, Action? onFailure = null)
    {
        var pid = Interlocked.Increment(ref _pid);
        var upid = $"UPID:{node}:{pid:X8}:{pid * 7:X8}:{DateTimeOffset.UtcNow.ToUnixTimeSeconds():X8}:{type}:{id}:{TokenId}:";
        var (polls, exit) = _taskFaults.Remove(type, out var f) ? f : (TaskPolls, "OK");
        _tasks[upid] = new FakeTask(polls, exit, exit == "OK" || exit is null ? onSuccess : onFailure ?? (() => { }));
        return upid;
    }

    /// <summary>Real tasks run on without being polled (a cancelled client stops polling); these end after a while too.</summary>
    private void FinishOldTasks()
    {
        foreach (var t in _tasks.Values.Where(t => !t.Done && t.Exit is not null && t.Age.Elapsed > TimeSpan.FromMilliseconds(300)))
        {
            t.Polls = 0;
            t.Done = true;
            t.OnEnd();
        }
    }

    private (int, object?, string?, Dictionary<string, string>?) TaskStatusOf(string upid)
    {
        if (!_tasks.TryGetValue(upid, out var t)) return Err(400, "Parameter verification failed.", new() { ["upid"] = "no such task" });
        if (t.Polls-- > 0 || t.Exit is null) return Ok(new { upid, status = "running", type = "x" });
        if (!t.Done)
        {
            t.Done = true;
            t.OnEnd();
        }
        return Ok(new { upid, status = "stopped", exitstatus = t.Exit });
    }

    private sealed class FakeTask(int polls, string? exit, Action onEnd)
    {
        public int Polls { get; set; } = polls;
        public string? Exit { get; } = exit;
        public Action OnEnd { get; } = onEnd;
        public bool Done { get; set; }
        public System.Diagnostics.Stopwatch Age { get; } = System.Diagnostics.Stopwatch.StartNew();
    }
}
