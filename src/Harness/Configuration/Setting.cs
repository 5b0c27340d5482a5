namespace Harness.Configuration;

/// <summary>
/// One setting: name without the <c>HARNESS_</c> prefix, meaning and default as the docs tables show them.
/// A secret is read from the environment only (runsettings.xml is a committed file) and its value is never echoed.
/// A user who still sets <paramref name="FormerName"/> is told the new name instead of "unknown setting".
/// </summary>
public sealed record Setting(string Name, string Meaning, string Default, bool Secret = false, string? FormerName = null)
{
    /// <summary>The table row as the docs show it.</summary>
    public void Deconstruct(out string name, out string meaning, out string @default) => (name, meaning, @default) = (Name, Meaning, Default);
}
