namespace Harness.Configuration;

/// <summary>Bad settings, detected before anything is created. The message names every bad setting and its fix.</summary>
public sealed class HarnessConfigurationException(IReadOnlyList<string> problems)
    : Exception("Invalid harness settings (nothing was started):" + Environment.NewLine
                + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
