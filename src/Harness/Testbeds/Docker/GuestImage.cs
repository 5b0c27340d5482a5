using System.Diagnostics;

namespace Harness.Testbeds.Docker;

/// <summary>Makes sure the guest image exists: cached by tag, else built once by ci/build-guest-image.sh.</summary>
public static class GuestImage
{
    /// <param name="buildScript">The script that builds the image; ci/build-guest-image.sh of this repository by default.</param>
    public static async Task<string> EnsureAsync(
        DockerEngine engine, string tag, ProgressSink progress, CancellationToken cancellationToken, string? buildScript = null)
    {
        if (await engine.ImageIdAsync(tag, cancellationToken).ConfigureAwait(false) is { } id) return id;

        var script = buildScript
                     ?? (Configuration.OptionsLoader.RepositoryRoot() is { } root ? Path.Combine(root, "ci", "build-guest-image.sh") : null);
        if (script is null || !File.Exists(script))
        {
            throw new GuestImageUnavailableException(
                $"Guest image '{tag}' is not in Docker and the build script ci/build-guest-image.sh was not found next to the harness. " +
                "Build the image from the repository (ci/build-guest-image.sh), or set HARNESS_GUEST_IMAGE to an image you have.");
        }

        progress($"guest image {tag} missing: building it with {script} (about a minute, once)");
        var psi = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["HARNESS_GUEST_IMAGE"] = tag;
        using var process = Process.Start(psi) ?? throw new GuestImageUnavailableException("could not start bash to build the guest image");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var log = (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false));
        if (process.ExitCode != 0 || await engine.ImageIdAsync(tag, cancellationToken).ConfigureAwait(false) is not { } built)
        {
            var tail = string.Join(Environment.NewLine, log.Split('\n').TakeLast(15));
            throw new GuestImageUnavailableException(
                $"Guest image '{tag}' is missing and building it failed (exit {process.ExitCode}). " +
                $"Run 'ci/build-guest-image.sh' to see why; HARNESS_IMAGE_BUILD=dockerfile builds from ci/guest-image/Dockerfile where a registry is reachable.{Environment.NewLine}{tail}");
        }
        return built;
    }
}
