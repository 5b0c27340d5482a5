using System.Globalization;
using Harness.Analysis;
using Harness.Configuration;
using Harness.Load;
using Harness.Remote;
using Harness.Sampling;
using Harness.Testbeds.Docker;
using Spectre.Console;

namespace Harness.Cli;

/// <summary>
/// What the harness itself costs inside a guest, and the lowest CPU load it can set there, per guest size: one
/// guest at a time on the embedded testbed, measured from the guest's own cgroup exactly as a scenario measures.
/// A benchmark, not a test: the figures belong in the README with the commit they came from.
/// </summary>
public static class HarnessCost
{
    public static async Task<int> RunAsync(double[] cpus, double seconds, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var options = OptionsLoader.Load() with { GuestCount = 1 };
        var sizes = cpus.Length > 0 ? cpus : [options.GuestCpus];
        var generator = ILoadGenerator.For(options.LoadGenerator);
        var table = new Table().AddColumns("guest CPUs", "sampler alone", "harness (sampler, probe, segment edges)", "load floor (smallest setting)");
        foreach (var size in sizes)
        {
            using var key = SshKeyPair.Create("harness-cost");
            await using var testbed = await DockerTestbed.CreateAsync(
                options with { GuestCpus = size }, "cost-" + Environment.ProcessId, key, console.Sink(), cancellationToken);
            using var onExit = new Running.TeardownOnExit(() => testbed.DisposeAsync().AsTask());
            var guest = testbed.Guests[0];
            await using var sampler = new GuestSampler(guest.Shell, guest.SamplerSource, options.SampleInterval, generator.ProcessNames);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var samplerOnly = await MeasureAsync(sampler, guest.Allocation, seconds, null, cancellationToken);
            var lifetime = TimeSpan.FromSeconds(seconds * 3 + 60);
            await guest.Shell.RunAsync(Probe.Start(Probe.DefaultIterations, Probe.DefaultGap, lifetime), cancellationToken);
            var harness = await MeasureAsync(sampler, guest.Allocation, seconds, options.Window, cancellationToken);
            await guest.Shell.RunAsync(generator.StartCpu(size, generator.Step, lifetime), cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var floor = await MeasureAsync(sampler, guest.Allocation, seconds, options.Window, cancellationToken);
            await guest.Shell.RunAsync(generator.StopAllAndList, cancellationToken);
            table.AddRow(size.ToString("0.##", CultureInfo.InvariantCulture), Points(samplerOnly, size), Points(harness, size), Points(floor, size));
        }
        console.Write(table);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"points of the guest's own allocation (% of one CPU in brackets); {seconds:0} s each, sampler every {options.SampleInterval.TotalSeconds:0.###} s, a segment edge pair every {options.Window.TotalSeconds + 0.3:0.0} s, sshd included; generator: {generator.Description}"));
        return 0;
    }

    /// <summary>CPU % of the guest's allocation over the span, with a snapshot pair per segment window when one is given.</summary>
    private static async Task<double> MeasureAsync(GuestSampler sampler, Testbeds.GuestAllocation allocation, double seconds, TimeSpan? window, CancellationToken ct)
    {
        var from = await sampler.SnapshotAsync(ct);
        var until = DateTimeOffset.UtcNow.AddSeconds(seconds);
        while (DateTimeOffset.UtcNow < until)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300), ct);
            if (window is not null) await sampler.SnapshotAsync(ct);
            await Task.Delay(window ?? TimeSpan.FromSeconds(1.5), ct);
            if (window is not null) await sampler.SnapshotAsync(ct);
        }
        var to = await sampler.SnapshotAsync(ct);
        return Usage.Cpu(from, to, allocation).CpuPercent;
    }

    private static string Points(double percentOfAllocation, double cpus) =>
        string.Create(CultureInfo.InvariantCulture, $"{percentOfAllocation:0.00} ({percentOfAllocation * cpus:0.000}%)");
}
