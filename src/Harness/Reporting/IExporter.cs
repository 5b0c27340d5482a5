namespace Harness.Reporting;

/// <summary>
/// One way of writing a run down (a report, its charts, a CI summary), BenchmarkDotNet style: a name, and the
/// file(s) it writes from the run's one record. <see cref="RunReports"/> runs a list of them; a new format is one more.
/// </summary>
public interface IExporter
{
    /// <summary>Names the exporter in errors, e.g. <c>html</c>.</summary>
    string Name { get; }

    /// <summary>Writes its file(s) for <paramref name="record"/> into <paramref name="runFolder"/>; returns the paths written.</summary>
    Task<IReadOnlyList<string>> ExportAsync(RunRecord record, string runFolder, CancellationToken cancellationToken);
}

/// <summary>Exporters that failed, each named with its error, after every other exporter had written.</summary>
public sealed class ExportException(IReadOnlyList<(string Exporter, Exception Error)> failures, IReadOnlyList<string> written)
    : Exception(Describe(failures, written), failures[0].Error)
{
    public IReadOnlyList<string> Failed { get; } = failures.Select(f => f.Exporter).ToArray();

    /// <summary>What the other exporters wrote.</summary>
    public IReadOnlyList<string> Written { get; } = written;

    private static string Describe(IReadOnlyList<(string Exporter, Exception Error)> failures, IReadOnlyList<string> written) =>
        string.Join("; ", failures.Select(f => $"exporter '{f.Exporter}' failed: {f.Error.GetType().Name}: {f.Error.Message}"))
        + $" (the other exporters wrote {written.Count} file(s))";
}
