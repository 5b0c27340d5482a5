using System.Text.RegularExpressions;

namespace Harness.Pve;

/// <summary>UPID parsing and task waiting. Client-independent, so any <see cref="IPveClient"/> gets the same semantics.</summary>
public static partial class PveTasks
{
    /// <summary>The node a task runs on (UPID field 2); its status can only be read there.</summary>
    public static string NodeOf(string upid)
    {
        var m = UpidPattern().Match(upid);
        if (!m.Success) throw new FormatException($"'{upid}' is not a Proxmox VE task id (UPID:node:pid:pstart:starttime:type:id:user:)");
        return m.Groups["node"].Value;
    }

    public static string TypeOf(string upid) => UpidPattern().Match(upid) is { Success: true } m ? m.Groups["type"].Value : "?";

    /// <summary>
    /// Polls until the task stops; throws <see cref="PveTaskException"/> when it fails or outlives <paramref name="timeout"/>.
    /// The poll interval grows from 200 ms to 2 s: most tasks end within a second, clones can take minutes.
    /// </summary>
    public static async Task<PveTaskStatus> WaitAsync(
        IPveClient client, string upid, string what, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? firstPoll = null)
    {
        var delay = firstPoll ?? TimeSpan.FromMilliseconds(200);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await client.GetTaskStatusAsync(upid, cancellationToken).ConfigureAwait(false);
            if (!status.IsRunning)
            {
                return status.Succeeded ? status : throw new PveTaskException(upid, what, status.ExitStatus ?? "(no exit status)", timedOut: false);
            }
            if (DateTime.UtcNow >= deadline) throw new PveTaskException(upid, what, null, timedOut: true);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 3 / 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    [GeneratedRegex(@"^UPID:(?<node>[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?):[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8,9}:[0-9A-Fa-f]{8}:(?<type>[^:\s/]+):[^:\s/]*:[^:\s/]+:$")]
    private static partial Regex UpidPattern();
}
