using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Harness.Remote;

namespace Harness.Tests.Running;

/// <summary>
/// A guest without a guest: records every command, and answers the sampler's snapshot requests from a model of the
/// guest's CPU — the load runs at <see cref="CpuPercent"/> of its allocation while it is not frozen, and
/// <see cref="CpuPercentOf"/> maps the generator's setting to that figure when a load is started.
/// </summary>
internal sealed class ScriptedShell : IRemoteShell
{
    private readonly Lock _gate = new();
    private readonly List<string> _commands = [];
    private double _cpuNs;
    private double _waitNs;
    private DateTimeOffset _last = DateTimeOffset.UtcNow;

    public double AllocatedCpus { get; init; } = 0.4;

    /// <summary>The memory the guest sees: its cgroup limit, or the host's for a guest without a limit of its own.</summary>
    public long MemLimitBytes { get; init; } = 1L << 30;

    public Func<double, double> CpuPercentOf { get; init; } = setting => setting / 0.4;

    public double CpuPercent { get; private set; }

    public bool Frozen { get; private set; }

    public IReadOnlyList<string> Commands
    {
        get { lock (_gate) return _commands.ToArray(); }
    }

    public Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Advance();
            _commands.Add(command);
            var words = command.Split(' ');
            var pacer = Array.IndexOf(words, "harness-pacer");
            if (pacer >= 0 && pacer + 1 < words.Length && words[pacer + 1].All(char.IsDigit))
            {
                // A load starts: its setting is the pacer's on-phase per 100 ms, in microseconds.
                CpuPercent = CpuPercentOf(double.Parse(words[pacer + 1], CultureInfo.InvariantCulture) / 1000);
            }
            else if (command.StartsWith("for f in", StringComparison.Ordinal))
            {
                Frozen = command.Contains("kill -STOP", StringComparison.Ordinal);
            }
        }
        return Task.FromResult(new CommandResult(0, "", ""));
    }

    public async IAsyncEnumerable<string> StreamLinesAsync(
        string command, ChannelReader<string> input, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return Line(null);
        while (true)
        {
            string request;
            try
            {
                request = await input.ReadAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
            {
                yield break;
            }
            yield return Line(request);
        }
    }

    private string Line(string? request)
    {
        lock (_gate)
        {
            Advance();
            var t = (_last - DateTimeOffset.UnixEpoch).TotalSeconds;
            return string.Create(CultureInfo.InvariantCulture,
                $"t={t:0.000000} cpu_ns={(long)_cpuNs} quota_us={(long)(AllocatedCpus * 100000)} period_us=100000 mem_bytes=1000 mem_limit={MemLimitBytes} load_run_ns={(long)_cpuNs} load_wait_ns={(long)_waitNs}{(request is null ? "" : " req=" + request)}");
        }
    }

    // CPU time accrues at the modelled rate while the load runs; a loaded guest waits a tenth of its run time.
    private void Advance()
    {
        var now = DateTimeOffset.UtcNow;
        var seconds = (now - _last).TotalSeconds;
        _last = now;
        if (Frozen) return;
        var run = seconds * 1e9 * AllocatedCpus * CpuPercent / 100;
        _cpuNs += run;
        _waitNs += run / 10;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
