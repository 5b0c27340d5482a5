using Harness.Load;
using Harness.Remote;
using Harness.Running;
using Harness.Testbeds.Docker;
using Xunit;

namespace Harness.Tests.Testbeds;

/// <summary>The paced stress-ng load inside a real guest: its processes, its stops and its freezes.</summary>
[Collection(DockerCollection.Name)]
public sealed class PacedLoadTests
{
    private static readonly ILoadGenerator Generator = ILoadGenerator.For(LoadGeneratorKind.StressNg);

    [Fact]
    public async Task Restarts_in_quick_succession_leave_exactly_one_paced_load_and_a_stop_leaves_none()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = DockerCli.OneGuest();
        using var key = SshKeyPair.Create("test");
        await using var testbed = await DockerTestbed.CreateAsync(options, IsolationSession.NewRunId(), key, _ => { }, ct);
        var shell = testbed.Guests[0].Shell;
        var lifetime = TimeSpan.FromSeconds(60);

        // A restart right after a start (calibration's last correction, then its closest setting) once left the
        // first stress-ng running flat out, untracked, for the rest of the scenario.
        foreach (var setting in new[] { 30.0, 31.0, 32.0 })
        {
            await Run(shell, Generator.StopCpu, ct);
            await Run(shell, Generator.StartCpu(options.GuestCpus, setting, lifetime), ct);
        }
        // The same start sent twice (as after a dropped SSH connection) replaces the first load instead of adding one.
        await Run(shell, Generator.StartCpu(options.GuestCpus, 32, lifetime), ct);
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        // Judged by process group, not by name: a worker just forked is called stress-ng until it renames itself,
        // and CI once counted two stress-ng here after the second (nice 19 in a 0.4-CPU guest on a loaded host).
        // A load left by an earlier start is a stress-ng process outside the group the pid file names.
        const string Untracked = "w=$(cat /tmp/harness-cpu-worker.pid); for p in $(pgrep '^stress-ng'); do [ \"$(ps -o pgid= -p $p | tr -d ' ')\" = \"$w\" ] || echo $p; done";
        var untracked = (await Run(shell, Untracked, ct)).Trim();
        Assert.True(untracked.Length == 0, $"stress-ng outside the tracked group: {untracked}\n{await Run(shell, "ps -eo pid,pgid,stat,comm", ct)}");
        Assert.NotEqual("0", (await Run(shell, "pgrep -c -g $(cat /tmp/harness-cpu-worker.pid) || true", ct)).Trim());
        Assert.Equal("1", (await Run(shell, "pgrep -c -x harness-pacer || true", ct)).Trim());

        await Run(shell, Generator.Pause, ct);
        await Task.Delay(TimeSpan.FromMilliseconds(300), ct);
        var states = (await Run(shell, "ps -o stat= -p $(pgrep -d, -g $(cat /tmp/harness-cpu-worker.pid))", ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(states);
        Assert.All(states, state => Assert.StartsWith("T", state, StringComparison.Ordinal));
        await Run(shell, Generator.Resume, ct);

        Assert.Equal("", (await Run(shell, Generator.StopAllAndList, ct)).Trim());
        Assert.Equal("0", (await Run(shell, "pgrep -c '^(stress|harness-pacer)' || true", ct)).Trim());
    }

    private static async Task<string> Run(IRemoteShell shell, string command, CancellationToken ct)
    {
        var result = await shell.RunAsync(command, ct);
        Assert.True(result.Succeeded, $"{command}: {result.Error}");
        return result.Output;
    }
}
