using System.Diagnostics;
using Harness.Configuration;
using Harness.Running;
using Harness.Scenarios;
using Harness.Testbeds.Docker;
using Xunit;

namespace Harness.Tests.Testbeds;

/// <summary>
/// Nothing outlives a run on the Docker testbed: a stop signal, a cancelled test run and a guest that dies all end
/// with every container of the run removed (kill -9 is the reaper's job, see DockerTestbedTests).
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class TeardownTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("harness-teardown-").FullName;

    private HarnessOptions OneGuest() => DockerCli.OneGuest(_output) with { Repetitions = 20, CalibrationRound = TimeSpan.FromSeconds(2) };

    [Theory]
    [InlineData("TERM", false)]
    [InlineData("INT", false)]
    [InlineData("HUP", false)]
    [InlineData("TERM", true)] // the job that started it is gone: its output is a closed pipe
    public async Task A_run_stopped_by_a_signal_removes_its_guests_before_it_exits(string signal, bool outputClosed)
    {
        var ct = TestContext.Current.CancellationToken;
        // The command line's own build output (same configuration and framework as this test's), with its own dependencies.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var cli = Path.Combine(OptionsLoader.RepositoryRoot()!, "src", "Harness.Cli", "bin", here.Parent!.Name, here.Name, "Harness.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} is missing; build the solution");
        // A process started in the background of a script inherits SIGINT as ignored, and .NET then never sees it
        // (as Unix intends: nohup and `cmd &` are not interrupted by Ctrl-C). CI may start this test run that way, so
        // the child's signals are reset to their defaults, as they are for a command typed at a terminal.
        var psi = new ProcessStartInfo("env", ["--default-signal=INT,TERM,HUP", "dotnet", cli, "provision", "--guests", "2", "--hold", "600"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["HARNESS_GUEST_CPUS"] = "0.2";
        psi.Environment["HARNESS_GUEST_MEMORY_MIB"] = "256";
        psi.Environment["HARNESS_OUTPUT_DIR"] = _output;
        using var process = Process.Start(psi)!;
        var lines = new List<string>();
        string? runId = null;
        using (var ready = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            ready.CancelAfter(TimeSpan.FromMinutes(3));
            while (runId is null && await process.StandardOutput.ReadLineAsync(ready.Token) is { } line)
            {
                lines.Add(line);
                if (line.StartsWith("ready: run ", StringComparison.Ordinal)) runId = line.Split(' ')[2].TrimEnd(',');
            }
        }
        if (runId is null)
        {
            // Only now: stderr ends when the child does, so reading it earlier would wait out the whole hold.
            Assert.Fail("provision never got ready:\n" + string.Join('\n', lines) + await process.StandardError.ReadToEndAsync(ct));
        }
        using var engine = await DockerEngine.ConnectAsync(ct);
        Assert.Equal(2, await DockerCli.ContainersOfRunAsync(runId, ct));

        using (var kill = Process.Start("kill", ["-s", signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await kill.WaitForExitAsync(ct);
        }
        if (outputClosed)
        {
            process.StandardOutput.Close();
            process.StandardError.Close();
        }
        var rest = outputClosed ? Task.FromResult("") : process.StandardOutput.ReadToEndAsync(ct);
        using (var exit = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            exit.CancelAfter(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(exit.Token);
        }

        if (!outputClosed) Assert.Contains("tearing down the testbed", await rest);
        Assert.Equal(0, await DockerCli.ContainersOfRunAsync(runId, ct));
    }

    [Fact]
    public async Task A_cancelled_scenario_stops_and_the_session_removes_its_guests_and_records_the_cancellation()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await IsolationSession.StartAsync(OneGuest(), _ => { }, ct);
        var runId = session.Record.RunId;
        try
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var running = session.RunAsync(new Scenario("cancelled", [new GuestLoad("S1", 50, 40)]), cancel.Token);
            await DockerCli.WaitForLoadAsync($"harness-{runId}-s1", ct);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
            Assert.Equal("cancelled", Assert.Single(session.Record.Scenarios).Outcome);
        }
        finally
        {
            await session.DisposeAsync();
        }
        Assert.Equal(0, await DockerCli.ContainersOfRunAsync(runId, ct));
        Assert.Contains("cancelled", await File.ReadAllTextAsync(session.ResultsPath, ct));
    }

    [Fact]
    public async Task After_a_guest_dies_its_scenario_names_it_and_later_scenarios_are_not_run_and_say_why()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await IsolationSession.StartAsync(OneGuest(), _ => { }, ct);
        var runId = session.Record.RunId;
        try
        {
            var running = session.RunAsync(new Scenario("dies", [new GuestLoad("S1", 50, 40)]), ct);
            await DockerCli.WaitForLoadAsync($"harness-{runId}-s1", ct);
            using (var kill = Process.Start("docker", ["kill", $"harness-{runId}-s1"])!) await kill.WaitForExitAsync(ct);

            var died = await Assert.ThrowsAsync<GuestFailedException>(() => running);
            Assert.Contains("guest S1", died.Message);
            Assert.True(died.Message.Contains("exited", StringComparison.Ordinal), died.Message); // the cause

            var next = await Assert.ThrowsAsync<GuestFailedException>(() =>
                session.RunAsync(new Scenario("next", [new GuestLoad("S1", 10, 30)]), ct));
            Assert.StartsWith("not run: the testbed broke in dies", next.Message);
        }
        finally
        {
            await session.DisposeAsync();
        }
        Assert.Equal(0, await DockerCli.ContainersOfRunAsync(runId, ct));
    }

    [Fact]
    public async Task A_missing_image_that_cannot_be_built_is_named_with_the_fix_and_nothing_is_created()
    {
        var ct = TestContext.Current.CancellationToken;
        var script = Path.Combine(_output, "no-build.sh");
        await File.WriteAllTextAsync(script, "echo 'debootstrap: not found; registry unreachable' >&2; exit 1\n", ct);
        using var engine = await DockerEngine.ConnectAsync(ct);
        var tag = "harness-guest:missing-" + Guid.NewGuid().ToString("N")[..8];

        var e = await Assert.ThrowsAsync<GuestImageUnavailableException>(() => GuestImage.EnsureAsync(engine, tag, _ => { }, ct, script));

        Assert.Contains($"Guest image '{tag}' is missing and building it failed (exit 1)", e.Message);
        Assert.Contains("ci/build-guest-image.sh", e.Message);
        Assert.Contains("registry unreachable", e.Message);
        Assert.Null(await engine.ImageIdAsync(tag, ct));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_output, recursive: true);
        }
        catch (IOException)
        {
            // A report still being written by a dying child; the temp folder is cleaned by the OS.
        }
    }
}
