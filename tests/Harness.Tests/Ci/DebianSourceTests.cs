using System.Diagnostics;
using Harness.Configuration;
using Xunit;

namespace Harness.Tests.Ci;

/// <summary>
/// The ci/ scripts install from the Debian archive the machine is configured with, never from one they name
/// themselves: a machine without one is told what to configure.
/// </summary>
public sealed class DebianSourceTests : IDisposable
{
    private readonly string _apt = Directory.CreateTempSubdirectory("harness-apt-").FullName;

    private static string Ci => Path.Combine(OptionsLoader.RepositoryRoot()!, "ci");

    private async Task<(int Exit, string Output, string Error)> MirrorAsync()
    {
        var psi = new ProcessStartInfo("bash", ["-c", $"source '{Ci}/debian-source.sh' && debian_mirror '{_apt}'"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var ct = TestContext.Current.CancellationToken;
        var output = p.StandardOutput.ReadToEndAsync(ct);
        var error = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return (p.ExitCode, (await output).Trim(), await error);
    }

    [Fact]
    public async Task Without_a_configured_archive_the_scripts_stop_and_say_what_to_configure()
    {
        var (exit, output, error) = await MirrorAsync();
        Assert.NotEqual(0, exit);
        Assert.Equal("", output);
        Assert.Contains("no Debian archive is configured", error);
        Assert.Contains("sources.list", error);
    }

    [Theory]
    [InlineData("sources.list", "deb [signed-by=/k.gpg] http://mirror.internal/debian/ bookworm main\ndeb http://security.debian.org/debian-security bookworm-security main\n")]
    [InlineData("sources.list.d/debian.sources", "Types: deb\nURIs: http://mirror.internal/debian\nSuites: bookworm\nComponents: main\n")]
    public async Task The_machines_own_archive_is_used_in_either_format(string file, string text)
    {
        Directory.CreateDirectory(Path.Combine(_apt, "sources.list.d"));
        await File.WriteAllTextAsync(Path.Combine(_apt, file), text, TestContext.Current.CancellationToken);
        var (exit, output, _) = await MirrorAsync();
        Assert.Equal(0, exit);
        Assert.Equal("http://mirror.internal/debian", output);
    }

    [Theory]
    [InlineData("setup-docker.sh")]
    [InlineData("build-guest-image.sh")]
    public void No_script_names_a_mirror_of_its_own(string script)
    {
        var text = File.ReadAllText(Path.Combine(Ci, script));
        Assert.DoesNotContain("deb.debian.org", text);
        Assert.Contains("debian_mirror", text);
    }

    public void Dispose() => Directory.Delete(_apt, recursive: true);
}
