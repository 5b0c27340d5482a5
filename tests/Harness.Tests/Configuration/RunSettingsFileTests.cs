using System.Diagnostics;
using Xunit;

namespace Harness.Tests.Configuration;

/// <summary>
/// A broken runsettings.xml never reaches the harness: dotnet test refuses it, naming the line, before any test
/// (and so any guest) starts. Values that parse but are wrong are the harness's own job (OptionsLoaderTests).
/// </summary>
public sealed class RunSettingsFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("harness-runsettings-").FullName;

    [Fact]
    public async Task A_malformed_runsettings_file_is_refused_with_its_line_before_any_test_runs()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = Path.Combine(_folder, "runsettings.xml");
        await File.WriteAllTextAsync(settings, """
            <RunSettings>
              <RunConfiguration>
                <EnvironmentVariables>
                  <RUNSETTINGS_HARNESS_BACKEND>docker</RUNSETTINGS_HARNESS_BACKEND>
              </RunConfiguration>
            </RunSettings>
            """, ct);
        var psi = new ProcessStartInfo("dotnet",
            ["test", Path.Combine(AppContext.BaseDirectory, "Harness.Tests.dll"), "--settings", settings, "--filter", "FullyQualifiedName=None.Nothing"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _folder,
        };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync(ct);
        var error = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var text = await output + await error;

        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains("Settings file provided does not conform to required format", text);
        Assert.Contains("line 3", text);
        Assert.DoesNotContain("Passed!", text);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
