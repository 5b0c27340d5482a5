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

    /// <summary>
    /// The guest's name (VM name, CT hostname): PVE's dns-name format, so letters, digits and inner '-' only. A clone
    /// carries the template's tags until its config is written, so the name is what marks it as ours before that.
    /// </summary>
    public static string GuestName(string runId, string guest) => NamePrefix(runId) + DnsLabel(guest);

    /// <summary>What every guest name of <paramref name="runId"/> starts with.</summary>
    public static string NamePrefix(string runId) => $"{Owner}-{DnsLabel(runId)}-";

    /// <summary>A name <see cref="GuestName"/> gives a guest of a run whose id has the usual shape (time stamp and random part).</summary>
    public static bool IsRunGuestName(string? name) => name is not null && RunGuestName().IsMatch(name);

    /// <summary>Whether a guest belongs to <paramref name="runId"/> by its tags or, before its tags are set, by its name.</summary>
    public static bool IsOfRun(IReadOnlyList<string> tags, string? name, string runId) =>
        IsOfRun(tags, runId)
        // The rest must be one label (the guest's own), so run "a" does not claim the guests of run "a-b".
        || name is not null && name.StartsWith(NamePrefix(runId), StringComparison.OrdinalIgnoreCase) && !name[NamePrefix(runId).Length..].Contains('-');

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

    private static string DnsLabel(string s)
    {
        var c = NotDns().Replace(s.ToLowerInvariant(), "-").Trim('-');
        if (c.Length > 40) c = c[..40].TrimEnd('-');
        return c.Length == 0 ? "x" : c;
    }

    [GeneratedRegex(@"[^a-z0-9_\-+.]")]
    private static partial Regex Invalid();

    [GeneratedRegex(@"^harness-\d{8}-\d{6}-[0-9a-f]{6}-s\d+$")]
    private static partial Regex RunGuestName();

    [GeneratedRegex(@"[^a-z0-9]+")]
    private static partial Regex NotDns();
}
