using DotNet.Testcontainers.Builders;
using Harness.Configuration;
using Harness.Remote;
using Harness.Running;
using Harness.Scenarios;
using Harness.Testbeds.Docker;
using Xunit;

namespace Harness.Tests.Testbeds;

/// <summary>Against the real Docker engine (ci/test.sh starts it): one small guest, provisioned, used and removed.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerTestbedTests
{
    private static HarnessOptions OneGuest() => DockerCli.OneGuest();

    [Fact]
    public async Task A_guest_is_provisioned_loaded_measured_and_removed()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = OneGuest();
        var runId = IsolationSession.NewRunId();
        using var key = SshKeyPair.Create("test");
        var log = new SyncLog();
        var testbed = await DockerTestbed.CreateAsync(options, runId, key, log.Add, ct);
        try
        {
            var guest = Assert.Single(testbed.Guests);
            Assert.Equal("S1", guest.Name);
            Assert.Null(await guest.CheckAliveAsync(ct));
            var whoami = await guest.Shell.RunAsync("id -un; nproc >/dev/null; command -v stress-ng", ct);
            Assert.True(whoami.Succeeded, whoami.Error);
            Assert.StartsWith("root", whoami.Output);

            await using var runner = new ScenarioRunner(testbed, options, log.Add);
            var result = await runner.RunAsync(new Scenario("one", [new GuestLoad("S1", 50, 40)]), ct);
            var m = Assert.Single(result.Guests);
            // One guest has no neighbours: its co-run and solo are the same thing, so nothing may fail.
            Assert.NotEqual(Harness.Analysis.Outcome.Fail, result.Verdict.Outcome);
            Assert.InRange(m.CpuPercent, 45, 55);
            Assert.InRange(m.RamPercent, 35, 45);
            // At least the first repetitions; more only while a check was undecided, every one of them paired.
            Assert.InRange(result.Repetitions, options.Repetitions, options.MaxRepetitions);
            Assert.Equal(result.Repetitions, m.Interference!.Pairs);
            Assert.False(double.IsNaN(m.Interference.SoloProbeShare));
            // The host reads the container's cgroup from outside, at the same edges: with a local engine it must be
            // there for every segment and agree with the guest's own figure.
            if (DockerEngine.DefaultEndpoint().StartsWith("unix://", StringComparison.Ordinal))
            {
                Assert.True(m.Host!.Unavailable is null, m.Host.Unavailable);
                Assert.All(m.Segments!, s => Assert.True(double.IsFinite(s.Host!.CpuPercent)));
                Assert.InRange(Math.Abs(m.Host.Difference.Value), 0, options.HostAgreementTolerance);
            }
            var left = await guest.Shell.RunAsync("pgrep -a '^(stress|cpulimit)' || true", ct);
            Assert.Equal("", left.Output.Trim());
        }
        finally
        {
            await testbed.DisposeAsync();
        }
        using var engine = await DockerEngine.ConnectAsync(ct);
        Assert.Equal(0, await engine.RemoveRunAsync(runId, ct));
    }

    [Fact]
    public async Task A_ram_target_below_idle_use_fails_that_scenario_naming_the_guest_and_the_next_scenario_runs()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = OneGuest() with { RamTolerance = 0 };
        using var key = SshKeyPair.Create("test");
        await using var testbed = await DockerTestbed.CreateAsync(options, IsolationSession.NewRunId(), key, _ => { }, ct);
        await using var runner = new ScenarioRunner(testbed, options, _ => { });

        var e = await Assert.ThrowsAsync<ScenarioNotRunnableException>(() =>
            runner.RunAsync(new Scenario("too-small", [new GuestLoad("S1", 10, 0.1)]), ct));
        Assert.Contains("too-small cannot run here: guest S1: RAM target 0.1% is below what it already uses at idle", e.Message);
        Assert.Contains("Raise the target or give the guest more memory", e.Message);
        var left = await testbed.Guests[0].Shell.RunAsync("pgrep -a '^(stress|cpulimit)' || true", ct);
        Assert.Equal("", left.Output.Trim());

        var next = await runner.RunAsync(new Scenario("fine", [new GuestLoad("S1", 10, 40)]), ct);
        Assert.Single(next.Guests);
    }

    [Fact]
    public async Task A_wrong_pinned_host_key_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = OneGuest();
        using var key = SshKeyPair.Create("test");
        await using var testbed = await DockerTestbed.CreateAsync(options, IsolationSession.NewRunId(), key, _ => { }, ct);
        var port = await DockerCli.PublishedSshPortAsync(testbed.Guests[0].Identity, ct);
        var e = await Assert.ThrowsAsync<HostKeyMismatchException>(() =>
            SshShell.ConnectAsync("127.0.0.1", port, "root", key, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ct));
        Assert.Contains("refusing to connect", e.Message);
    }

    [Fact]
    public async Task Containers_of_a_killed_run_are_reaped_and_those_of_a_live_run_or_another_host_are_not()
    {
        var ct = TestContext.Current.CancellationToken;
        var image = OneGuest().GuestImage;
        var dead = DockerEngine.OwnerLabels("killed-run-" + Guid.NewGuid().ToString("N")[..6]);
        dead[DockerEngine.PidLabel] = DeadPid().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var live = DockerEngine.OwnerLabels("live-run-" + Guid.NewGuid().ToString("N")[..6]);
        // Another machine's run sharing this engine: its PID means nothing here, so only age may reap it.
        var elsewhere = DockerEngine.OwnerLabels("other-host-run-" + Guid.NewGuid().ToString("N")[..6]);
        elsewhere[DockerEngine.HostLabel] = "another-machine";
        elsewhere[DockerEngine.PidLabel] = DeadPid().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var containers = new[] { dead, live, elsewhere }
            .Select(labels => new ContainerBuilder(image).WithLabel(labels).WithEntrypoint("sleep", "300").WithCleanUp(false).Build())
            .ToArray();
        foreach (var c in containers) await c.StartAsync(ct);
        using var engine = await DockerEngine.ConnectAsync(ct);
        try
        {
            // An hour: what the lead's (or anyone's) live runs on this engine made is younger or checkably alive.
            var reaped = await engine.ReapOrphansAsync(TimeSpan.FromHours(1), ct);
            Assert.Contains(reaped, r => r.Contains(dead[DockerEngine.RunIdLabel]));
            Assert.DoesNotContain(reaped, r => r.Contains(live[DockerEngine.RunIdLabel]));
            Assert.DoesNotContain(reaped, r => r.Contains(elsewhere[DockerEngine.RunIdLabel]));
            Assert.NotNull(await engine.NotRunningReasonAsync(containers[0].Id, ct));
            Assert.Null(await engine.NotRunningReasonAsync(containers[1].Id, ct));
            Assert.Null(await engine.NotRunningReasonAsync(containers[2].Id, ct));

        }
        finally
        {
            foreach (var c in containers) await engine.RemoveAsync(c.Id, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Docker_not_running_gives_one_clear_message()
    {
        var e = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() =>
            DockerEngine.ConnectAsync(TestContext.Current.CancellationToken, "unix:///tmp/harness-no-docker-here.sock"));
        Assert.Contains("Docker is not running or not reachable at unix:///tmp/harness-no-docker-here.sock", e.Message);
        Assert.Contains("ci/setup-docker.sh", e.Message);
    }

    private static int DeadPid()
    {
        using var p = System.Diagnostics.Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DockerCollection
{
    public const string Name = "docker";
}
