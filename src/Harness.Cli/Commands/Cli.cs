using System.CommandLine;
using System.Globalization;
using System.CommandLine.Parsing;

namespace Harness.Cli.Commands;

/// <summary>What the commands share: options with a range, and the step-summary switch.</summary>
internal static class Cli
{
    public static Option<double> Number(string name, string description, double fallback, double min, double max)
    {
        var option = new Option<double>(name) { Description = description, DefaultValueFactory = _ => fallback };
        option.Validators.Add(r => Within(r, name, min, max));
        return option;
    }

    public static Option<int?> Count(string name, string description, int min, int max)
    {
        var option = new Option<int?>(name) { Description = description };
        option.Validators.Add(r => Within(r, name, min, max));
        return option;
    }

    public static Option<bool> StepSummary() =>
        new("--step-summary") { Description = "append Markdown to the file named by GITHUB_STEP_SUMMARY (GitHub Actions)" };

    private static void Within(OptionResult result, string name, double min, double max)
    {
        // An unparsable token is the parser's own error; only a number outside the range is ours.
        if (result.Tokens is [var token] && double.TryParse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            && !(v >= min && v <= max))
        {
            result.AddError(max == double.MaxValue ? $"{name} needs a number of {min} or more" : $"{name} needs a number from {min} to {max}");
        }
    }
}
