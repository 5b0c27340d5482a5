using System.Globalization;

namespace Harness.Load;

/// <summary>
/// Shell fragments that run a load as the leader of its own session and control it as a group through a pid
/// file: every generator's processes are started, frozen, thawed and stopped this way, so none can escape a
/// stop or outlive its scenario.
/// </summary>
internal static class ProcessGroups
{
    /// <summary>Runs a shell command line as the leader of a new session whose group id lands in the pid file.</summary>
    public static string Start(string pidFile, string command) =>
        $"setsid sh -c '{command}' </dev/null >/dev/null 2>&1 & echo $! > {pidFile}";

    public static string Signal(string signal, params string[] pidFiles) =>
        $"for f in {string.Join(' ', pidFiles)}; do [ -f $f ] && kill -{signal} -- \"-$(cat $f)\" 2>/dev/null; done; true";

    // SIGKILL at once: a load is restarted many times per scenario (calibration) and nothing it would say on a
    // graceful exit is used. A frozen group is thawed so that it can die.
    public static string Stop(params string[] pidFiles) => string.Join('\n', pidFiles.Select(f => $"""
        if [ -f {f} ]; then
          g=$(cat {f}); rm -f {f}
          kill -KILL -- "-$g" 2>/dev/null; kill -CONT -- "-$g" 2>/dev/null
          i=0; while kill -0 -- "-$g" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.05; i=$((i+1)); done
        fi
        """)) + "\ntrue";

    /// <summary>
    /// Stops every group in the pid files, then anything else whose name starts with one of
    /// <paramref name="processNames"/> (a load left by an earlier run), and prints whatever is still alive.
    /// </summary>
    public static string StopAllAndList(IEnumerable<string> pidFiles, IEnumerable<string> processNames)
    {
        var pattern = $"'^({string.Join('|', processNames)})'";
        return $"""
            for f in {string.Join(' ', pidFiles)}; do
              [ -f "$f" ] && kill -CONT -- "-$(cat "$f")" 2>/dev/null && kill -TERM -- "-$(cat "$f")" 2>/dev/null; rm -f "$f"
            done
            i=0
            while pgrep {pattern} >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
            pkill -CONT {pattern} 2>/dev/null; pkill -KILL {pattern} 2>/dev/null
            i=0
            while pgrep {pattern} >/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done
            pgrep -a {pattern} || true
            """;
    }

    public static string Seconds(TimeSpan t) => ((long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
