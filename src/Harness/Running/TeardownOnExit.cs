using System.Globalization;
using System.Runtime.InteropServices;
using Harness.Testbeds;

namespace Harness.Running;

/// <summary>
/// Runs a teardown when the process is told to stop — SIGTERM (CI cancelling a job), SIGINT (Ctrl-C),
/// SIGHUP (terminal closed) — or exits without having disposed its guests. The signal's default action (the
/// process ends) follows once the teardown has finished or its time limit has passed; guests must not outlive the
/// process that owns them, and only kill -9 is left to the next run's reaper.
/// </summary>
public sealed class TeardownOnExit : IDisposable
{
    private readonly Func<Task> _teardown;
    private readonly TimeSpan _limit;
    private readonly ProgressSink _report;
    private readonly PosixSignalRegistration[] _signals;
    private int _ran;

    /// <param name="teardown">Called at most once; give the owner's own teardown task, so that a dispose racing the signal waits for the same one.</param>
    /// <param name="report">Where a teardown that failed or ran out of time is reported (the process is ending, nothing else will say it).</param>
    public TeardownOnExit(Func<Task> teardown, TimeSpan? limit = null, ProgressSink? report = null)
    {
        _teardown = teardown;
        _limit = limit ?? TimeSpan.FromSeconds(60);
        _report = report ?? (_ => { });
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        _signals = OperatingSystem.IsWindows()
            ? []
            : [PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
               PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
               PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal)];
    }

    /// <summary>The owner tore down on its own: nothing left to do at exit.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _ran, 1);
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        foreach (var s in _signals) s.Dispose();
    }

    private void OnSignal(PosixSignalContext context) => RunNow();

    private void OnProcessExit(object? sender, EventArgs e) => RunNow();

    /// <summary>What a signal does: runs the teardown and blocks until it ends or the limit passes.</summary>
    internal void RunNow()
    {
        if (Interlocked.Exchange(ref _ran, 1) == 1) return;
        // Started on the pool, so that a teardown which blocks before its first await cannot hold this thread past the limit.
        var teardown = Task.Run(_teardown);
        try
        {
            // Blocking is the point: the process must not end before its guests are gone.
            if (!teardown.Wait(_limit))
            {
                _report(string.Create(CultureInfo.InvariantCulture,
                    $"teardown did not finish within {_limit.TotalSeconds:0.#} s; the process ends now and the next run reaps what is left"));
            }
        }
        catch (AggregateException e)
        {
            _report($"teardown failed: {e.GetBaseException().Message}; the next run reaps what is left");
        }
    }
}
