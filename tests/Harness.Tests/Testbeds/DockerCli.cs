using System.Diagnostics;
using System.Globalization;
using Harness.Configuration;
using Harness.Testbeds.Docker;

namespace Harness.Tests.Testbeds;

/// <summary>What the Docker tests share: a small one-guest setup, and the docker CLI for looking from outside.</summary>
internal static class DockerCli
{
    public static HarnessOptions OneGuest(string outputDirectory = "") =>
        OptionsLoader.Load(new Dictionary<string, string>(), Environment.ProcessorCount) with
        {
            GuestCount = 1,
            GuestCpus = 0.4,
            GuestMemoryMiB = 256,
            Window = TimeSpan.FromSeconds(1),
            Repetitions = 3,
            Settle = TimeSpan.FromSeconds(1),
            CalibrationRound = TimeSpan.FromSeconds(3),
            OutputDirectory = outputDirectory,
        };

    /// <summary>Runs docker with the arguments and returns its standard output.</summary>
    public static async Task<string> RunAsync(CancellationToken ct, params string[] args)
    {
        var psi = new ProcessStartInfo("docker", args) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return output;
    }

    /// <summary>The container name inside a guest identity ("container NAME (ID)").</summary>
    public static string ContainerName(string identity) => identity.Split(' ')[1];

    public static async Task<int> PublishedSshPortAsync(string identity, CancellationToken ct)
    {
        var output = (await RunAsync(ct, "port", ContainerName(identity), "22/tcp")).Trim();
        if (!output.StartsWith("127.0.0.1:", StringComparison.Ordinal)) throw new InvalidOperationException($"SSH published beyond loopback: {output}");
        return int.Parse(output.Split(':')[^1], CultureInfo.InvariantCulture);
    }

    /// <summary>Returns once a load generator runs in the container: the moment a scenario is really under way.</summary>
    public static async Task WaitForLoadAsync(string container, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromMinutes(3));
        while ((await RunAsync(limit.Token, "exec", container, "pgrep", "-f", "^(stress|cpulimit)")).Trim().Length == 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), limit.Token);
        }
    }

    public static async Task<int> ContainersOfRunAsync(string runId, CancellationToken ct) =>
        (await RunAsync(ct, "ps", "-aq", "--filter", $"label={DockerEngine.RunIdLabel}={runId}"))
        .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
}
