using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace PveEmulator.Runtime;

/// <summary>A process's CPU time and resident memory from /proc, as pvestatd reads a QEMU process.</summary>
public static class ProcessStats
{
    private const double ClockTicks = 100; // USER_HZ on Linux x86_64

    public static (double CpuSeconds, long RssBytes) Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which may itself contain spaces and parentheses.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var rssKb = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))?
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] ?? "0";
            return (ticks / ClockTicks, long.Parse(rssKb, CultureInfo.InvariantCulture) * 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (0, 0); // the process ended between the check and the read
        }
    }
}

/// <summary>One QMP command on QEMU's monitor socket (capabilities handshake first, as the protocol asks).</summary>
public static class Qmp
{
    public static async Task ExecuteAsync(string socketPath, string command, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(5));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await reader.ReadLineAsync(cts.Token).ConfigureAwait(false); // greeting
        foreach (var c in new[] { "qmp_capabilities", command })
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"execute\":\"{c}\"}}\n"), cts.Token).ConfigureAwait(false);
            string? line;
            do line = await reader.ReadLineAsync(cts.Token).ConfigureAwait(false);
            while (line is not null && line.Contains("\"event\"", StringComparison.Ordinal));
            if (line is null || line.Contains("\"error\"", StringComparison.Ordinal)) throw new PveError(500, $"QMP {c} failed: {line}");
        }
    }
}

/// <summary>
/// Starts child processes from one thread that lives as long as the emulator: the kernel's parent-death signal
/// (setpriv --pdeathsig) fires when the *thread* that forked the child ends, and thread-pool threads do end.
/// </summary>
public sealed class Spawner : IDisposable
{
    private readonly BlockingCollection<(ProcessStartInfo Psi, TaskCompletionSource<Process> Done)> _queue = new();
    private readonly Thread _thread;

    public Spawner()
    {
        _thread = new Thread(() =>
        {
            foreach (var (psi, done) in _queue.GetConsumingEnumerable())
            {
                try
                {
                    done.SetResult(Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {psi.FileName}"));
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            }
        }) { IsBackground = true, Name = "qemu-spawner" };
        _thread.Start();
    }

    public Task<Process> StartAsync(ProcessStartInfo psi)
    {
        var done = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((psi, done));
        return done.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
        _queue.Dispose();
    }
}
