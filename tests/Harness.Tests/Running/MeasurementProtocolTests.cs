using Harness.Analysis;
using Harness.Configuration;
using Harness.Load;
using Harness.Running;
using Harness.Sampling;
using Harness.Scenarios;
using Harness.Testbeds;
using Xunit;

namespace Harness.Tests.Running;

/// <summary>The measurement protocol and load control against scripted guests: no container, no VM.</summary>
public sealed class MeasurementProtocolTests
{
    private static readonly ILoadGenerator Generator = ILoadGenerator.For(LoadGeneratorKind.StressNg);

    [Fact]
    public async Task Each_repetition_measures_one_co_run_and_one_solo_segment_per_guest_with_the_others_frozen()
    {
        await using var guests = await Guests.StartAsync(2);
        var protocol = new MeasurementProtocol(Generator, TimeSpan.FromMilliseconds(20), _ => { }, TimeProvider.System);

        var segments = await protocol.MeasureAsync("Scenario 99", guests.Runs, 1, 3, mirror: false, new SegmentWindows(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20)), TestContext.Current.CancellationToken);

        Assert.Equal(3 * (2 + 2), segments.Count);
        foreach (var rep in Enumerable.Range(1, 3))
        {
            Assert.Equal(2, segments.Count(s => s.Segment.Repetition == rep && s.Segment.Kind == SegmentKind.CoRun));
            Assert.Equal(["S1", "S2"], segments.Where(s => s.Segment.Repetition == rep && s.Segment.Kind == SegmentKind.Solo).Select(s => s.Guest).Order());
        }
        // A solo segment of S1 runs while S2 is frozen: S2 was paused before it and is thawed at the end.
        var s2 = guests.Shells[1].Commands;
        Assert.Contains(s2, c => c == Generator.Pause);
        Assert.Equal(Generator.Resume, s2[^1]);
        Assert.All(guests.Shells, s => Assert.False(s.Frozen));
        // Edges come from the running sampler (snapshots), not from new commands in the guest.
        Assert.DoesNotContain(guests.Shells[0].Commands, c => c.Contains("harness-sampler", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_co_run_segment_waits_its_own_length_and_a_solo_segment_the_solo_length()
    {
        await using var guests = await Guests.StartAsync(2);
        var time = new DelayLog();
        var (calibration, solo, coRun) = (TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(60));
        var protocol = new MeasurementProtocol(Generator, calibration, _ => { }, time);

        await protocol.MeasureAsync("Scenario 99", guests.Runs, 1, 2, mirror: false, new SegmentWindows(coRun, solo), TestContext.Current.CancellationToken);

        // Besides the 300 ms pauses for a freeze or thaw to take effect: one co-run window and two solo ones per
        // repetition; the calibration's stretch is not a segment's.
        Assert.Equal(2, time.Delays.Count(d => d == coRun));
        Assert.Equal(2 * 2, time.Delays.Count(d => d == solo));
        Assert.DoesNotContain(calibration, time.Delays);
    }

    /// <summary>The real clock, noting every delay asked of it: a segment's length is what the protocol waits, not a timing.</summary>
    private sealed class DelayLog : TimeProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<TimeSpan> _delays = new();

        public IReadOnlyCollection<TimeSpan> Delays => _delays;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _delays.Enqueue(dueTime);
            return System.CreateTimer(callback, state, dueTime, period);
        }
    }

    [Fact]
    public async Task The_same_scenario_is_measured_in_the_same_order_every_time()
    {
        async Task<string> Order()
        {
            await using var guests = await Guests.StartAsync(3);
            var protocol = new MeasurementProtocol(Generator, TimeSpan.FromMilliseconds(5), _ => { }, TimeProvider.System);
            var segments = await protocol.MeasureAsync("Scenario 42", guests.Runs, 1, 2, mirror: false, new SegmentWindows(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5)), TestContext.Current.CancellationToken);
            return string.Join(",", segments.Select(s => s.Segment).Distinct().Select(s => s.SoloGuest ?? "co"));
        }

        Assert.Equal(await Order(), await Order());
    }

    [Fact]
    public async Task A_confirming_batch_runs_each_repetition_in_the_reverse_order_of_its_counterpart_and_numbers_it_after_them()
    {
        await using var guests = await Guests.StartAsync(3);
        var protocol = new MeasurementProtocol(Generator, TimeSpan.FromMilliseconds(5), _ => { }, TimeProvider.System);
        var first = await protocol.MeasureAsync("Scenario 42", guests.Runs, 1, 2, mirror: false, new SegmentWindows(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5)), TestContext.Current.CancellationToken);
        var again = await protocol.MeasureAsync("Scenario 42", guests.Runs, 3, 2, mirror: true, new SegmentWindows(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5)), TestContext.Current.CancellationToken);

        string Order(IEnumerable<GuestSegment> segments, int rep) =>
            string.Join(",", segments.Select(s => s.Segment).Where(s => s.Repetition == rep).Distinct().Select(s => s.SoloGuest ?? "co"));
        Assert.Equal([3, 4], again.Select(s => s.Segment.Repetition).Distinct().Order());
        foreach (var rep in new[] { 1, 2 })
        {
            Assert.Equal(string.Join(",", Order(first, rep).Split(',').Reverse()), Order(again, rep + 2));
        }
    }

    [Fact]
    public async Task Calibration_brings_a_light_load_to_target_in_tenths_and_later_scenarios_start_from_the_setting_found()
    {
        // The harness's own cost puts 3 points under every load: 10% needs a setting of 2.8% of a CPU, not 4.
        var options = new HarnessOptions { CalibrationRound = TimeSpan.FromMilliseconds(40), Window = TimeSpan.FromMilliseconds(20), CalibrationMaxRounds = 6 };
        await using var guests = await Guests.StartAsync(1, setting => setting / 0.4 + 3);
        var loads = new LoadControl(Generator, options, _ => { }, TimeProvider.System);
        var protocol = new MeasurementProtocol(Generator, options.Window, _ => { }, TimeProvider.System);
        var run = guests.Runs[0];
        await loads.StartCpuAsync(run, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        Assert.Equal(4, run.CpuSetting, 6);

        var restarted = await loads.CalibrateAsync(guests.Runs, protocol, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.True(run.Converged, $"setting {run.CpuSetting}, error {run.CpuErrorAfter}");
        Assert.InRange(run.CpuSetting, 2.5, 3.1);
        Assert.False(restarted, "the last round measured the load on target and nothing restarted it since: it needs no settling");
        var again = new GuestRun(run.Guest, run.Load, run.Sampler);
        await loads.StartCpuAsync(again, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        Assert.Equal(run.CpuSetting, again.CpuSetting);
        Assert.False(await loads.CalibrateAsync([again], protocol, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));
        Assert.Equal(1, again.Rounds);
    }

    [Fact]
    public async Task A_load_restarted_after_calibrations_last_round_is_reported_so_that_it_settles()
    {
        // One round only, and the load is off target: its corrected setting starts after the last measurement.
        var options = new HarnessOptions { CalibrationRound = TimeSpan.FromMilliseconds(40), Window = TimeSpan.FromMilliseconds(20), CalibrationMaxRounds = 1 };
        await using var guests = await Guests.StartAsync(1, setting => setting / 0.4 + 3);
        var loads = new LoadControl(Generator, options, _ => { }, TimeProvider.System);
        var protocol = new MeasurementProtocol(Generator, options.Window, _ => { }, TimeProvider.System);
        await loads.StartCpuAsync(guests.Runs[0], TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.True(await loads.CalibrateAsync(guests.Runs, protocol, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Calibration_stops_for_a_guest_at_the_generators_limit_instead_of_using_up_its_rounds()
    {
        // A guest asking for all of its CPU on a host that gives it half: past the largest setting nothing moves it.
        var options = new HarnessOptions { CalibrationRound = TimeSpan.FromMilliseconds(40), Window = TimeSpan.FromMilliseconds(20), CalibrationMaxRounds = 20 };
        await using var guests = await Guests.StartAsync(1, setting => Math.Min(setting / 0.4, 50));
        var loads = new LoadControl(Generator, options, _ => { }, TimeProvider.System);
        var protocol = new MeasurementProtocol(Generator, options.Window, _ => { }, TimeProvider.System);
        var run = new GuestRun(guests.Runs[0].Guest, new GuestLoad("S1", 100, 30), guests.Runs[0].Sampler);
        await loads.StartCpuAsync(run, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        await loads.CalibrateAsync([run], protocol, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Equal(100, run.CpuSetting);
        Assert.False(run.Converged);
        Assert.InRange(run.Rounds, 1, 5);
    }

    [Fact]
    public async Task A_guest_that_sees_far_more_memory_than_declared_is_named_once_with_the_fix()
    {
        // 1 GiB declared, 24 GiB seen: a container without its own meminfo reads the host's.
        var shell = new ScriptedShell { MemLimitBytes = 24L << 30 };
        await using var sampler = new GuestSampler(shell, SamplerSource.Cgroup, TimeSpan.FromSeconds(1), Generator.ProcessNames);
        await sampler.WaitForSamplesAsync(DateTimeOffset.MinValue, 1, TestContext.Current.CancellationToken);
        var said = new List<string>();
        var loads = new LoadControl(Generator, new HarnessOptions(), said.Add, TimeProvider.System);
        var run = new GuestRun(new ScriptedGuest("S1", shell), new GuestLoad("S1", 10, 0), sampler);

        await loads.FillMemoryAsync(run, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        await loads.FillMemoryAsync(run, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        var warning = Assert.Single(said);
        Assert.Contains("guest S1 sees 24576 MiB of memory but is declared with 1024 MiB", warning);
        Assert.Contains("Declare the memory the guest sees", warning);
    }

    [Fact]
    public async Task A_guest_that_sees_its_own_memory_gets_no_warning()
    {
        await using var guests = await Guests.StartAsync(1);
        var said = new List<string>();
        var loads = new LoadControl(Generator, new HarnessOptions(), said.Add, TimeProvider.System);
        var run = new GuestRun(guests.Runs[0].Guest, new GuestLoad("S1", 10, 0), guests.Runs[0].Sampler);

        await loads.FillMemoryAsync(run, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Empty(said);
    }

    /// <summary>Scripted guests with their samplers, each carrying a 10/30 load.</summary>
    private sealed class Guests : IAsyncDisposable
    {
        public required ScriptedShell[] Shells { get; init; }

        public required GuestSampler[] Samplers { get; init; }

        public required GuestRun[] Runs { get; init; }

        public static async Task<Guests> StartAsync(int count, Func<double, double>? cpuOf = null)
        {
            var shells = Enumerable.Range(0, count).Select(_ => cpuOf is null ? new ScriptedShell() : new ScriptedShell { CpuPercentOf = cpuOf }).ToArray();
            var samplers = shells.Select(s => new GuestSampler(s, SamplerSource.Cgroup, TimeSpan.FromSeconds(1), Generator.ProcessNames)).ToArray();
            var runs = shells.Select((s, i) => new GuestRun(new ScriptedGuest($"S{i + 1}", s), new GuestLoad($"S{i + 1}", 10, 30), samplers[i])).ToArray();
            foreach (var s in samplers) await s.WaitForSamplesAsync(DateTimeOffset.MinValue, 1, CancellationToken.None);
            return new Guests { Shells = shells, Samplers = samplers, Runs = runs };
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var s in Samplers) await s.DisposeAsync();
        }
    }

    private sealed class ScriptedGuest(string name, ScriptedShell shell) : IGuest
    {
        public string Name => name;

        public string Identity => "scripted-" + name;

        public GuestAllocation Allocation => new(shell.AllocatedCpus, 1L << 30);

        public SamplerSource SamplerSource => SamplerSource.Cgroup;

        public Harness.Remote.IRemoteShell Shell => shell;

        public Task<string?> CheckAliveAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
