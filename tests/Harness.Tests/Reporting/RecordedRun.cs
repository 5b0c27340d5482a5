using Harness.Reporting;

namespace Harness.Tests.Reporting;

/// <summary>The recorded run in Data/ (a real results.json: one failing and one passing scenario) and the repository root.</summary>
internal static class RecordedRun
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Path => System.IO.Path.Combine(RepositoryRoot, "tests", "Harness.Tests", "Reporting", "Data", "recorded-run.json");

    public static RunRecord Load() => RunRecord.Load(Path);

    // Read from the source tree rather than the output folder, so the fixture needs no project-file entry.
    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Harness.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Harness.sln above {AppContext.BaseDirectory}");
    }
}
