using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Harness.Testbeds.Proxmox;

/// <summary>
/// Tags that mark a guest as the harness's: <c>harness;run-ID;host-NAME;pid-N</c>. PVE stores tags lower-cased and
/// <c>;</c>-joined, each matching <c>[a-z0-9_][a-z0-9_\-+.]*</c>. Host and pid let a later run tell an orphan (its
/// process is gone) from a guest of a run still going on this machine.
/// </summary>
public static partial class GuestTags
{
    public const string Owner = "harness";

    public static string For(string runId) =>
        string.Join(';', Owner, "run-" + Clean(runId), "host-" + Clean(Environment.MachineName), "pid-" + Environment.ProcessId);

    public static bool IsHarness(IReadOnlyList<string> tags) => tags.Contains(Owner);

    public static string? RunOf(IReadOnlyList<string> tags) => Value(tags, "run-");

    public static bool IsOfRun(IReadOnlyList<string> tags, string runId) => IsHarness(tags) && RunOf(tags) == Clean(runId);

    /// <summary>True when the guest was made on this machine by a process that no longer runs.</summary>
    public static bool IsLocalOrphan(IReadOnlyList<string> tags)
    {
        if (Value(tags, "host-") != Clean(Environment.MachineName)) return false;
        if (!int.TryParse(Value(tags, "pid-"), out var pid)) return false;
        if (pid == Environment.ProcessId) return false;
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    private static string? Value(IReadOnlyList<string> tags, string prefix) =>
        tags.FirstOrDefault(t => t.StartsWith(prefix, StringComparison.Ordinal)) is { } t ? t[prefix.Length..] : null;

    internal static string Clean(string s)
    {
        var c = Invalid().Replace(s.ToLowerInvariant(), "-").Trim('-');
        if (c.Length > 40) c = c[..40];
        return c.Length == 0 ? "x" : c;
    }

    [GeneratedRegex(@"[^a-z0-9_\-+.]")]
    private static partial Regex Invalid();
}
