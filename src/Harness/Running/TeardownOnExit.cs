using System.Runtime.InteropServices;

namespace Harness.Running;

/// <summary>
/// Runs a teardown when the process is told to stop — SIGTERM (CI cancelling a job), SIGINT (Ctrl-C),
/// SIGHUP (terminal closed) — or exits without having disposed its guests. The signal's default action (the
/// process ends) follows once the teardown has finished or timed out; guests must not outlive the process that
/// owns them, and only kill -9 is left to the next run's reaper.
/// </summary>
public sealed class TeardownOnExit : IDisposable
{
    private readonly Func<Task> _teardown;
    private readonly TimeSpan _limit;
    private readonly PosixSignalRegistration[] _signals;
    private int _ran;

    public TeardownOnExit(Func<Task> teardown, TimeSpan? limit = null)
    {
        _teardown = teardown;
        _limit = limit ?? TimeSpan.FromSeconds(60);
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

    private void OnSignal(PosixSignalContext context) => Run();

    private void OnProcessExit(object? sender, EventArgs e) => Run();

    private void Run()
    {
        if (Interlocked.Exchange(ref _ran, 1) == 1) return;
        try
        {
            // Blocking is the point: the process must not end before its guests are gone.
            _teardown().Wait(_limit);
        }
        catch (AggregateException)
        {
            // The process is ending; the teardown reports its own failures, and the next run reaps what is left.
        }
    }
}
