using Harness.Analysis;
using Harness.Remote;
using Harness.Sampling;
using Harness.Testbeds;
using Harness.Testbeds.Docker;
using Xunit;

namespace Harness.Tests.HostView;

/// <summary>The container's cgroup read from the host, on fake trees laid out as the two hierarchies and drivers lay them out.</summary>
public sealed class DockerHostViewTests : IDisposable
{
    private const string Id = "450e1cd4f2d44e1266c753ea25bd4175385dd0e555afeae88672d2e75b4af404";
    private readonly string _root = Directory.CreateTempSubdirectory("harness-cgroup-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public void Cgroup_v1_with_the_cgroupfs_driver_is_read_per_controller_with_psi_from_the_unified_mount()
    {
        // The layout and file formats of this machine (Docker 26, cgroupfs driver, v1 with a hybrid unified mount).
        Write($"cpuacct/docker/{Id}/cpuacct.usage", "18226300863\n");
        Write($"cpu/docker/{Id}/cpu.stat", "nr_periods 462\nnr_throttled 446\nthrottled_time 44958399513\nnr_bursts 0\nburst_time 0\n");
        Write($"cpu/docker/{Id}/cpu.cfs_quota_us", "40000\n");
        Write($"cpu/docker/{Id}/cpu.cfs_period_us", "100000\n");
        Write($"memory/docker/{Id}/memory.usage_in_bytes", "27815936\n");
        Write($"memory/docker/{Id}/memory.stat", "cache 0\ninactive_file 0\ntotal_inactive_file 815936\n");
        Write($"unified/docker/{Id}/cpu.pressure", "some avg10=72.25 avg60=36.20 avg300=9.74 total=31264480\nfull avg10=60.76 avg60=31.80 avg300=8.58 total=27629537\n");

        var counters = ContainerCgroup.Find(_root, Id, out _)!.Read();

        AssertCounters(counters, ("cpu_ns", 18226300863), ("throttled_periods", 446), ("throttled_ns", 44958399513), ("quota_us", 40000),
            ("mem_bytes", 27815936), ("inactive_file", 815936), ("cpu_some_us", 31264480));
        Assert.False(counters.ContainsKey("memory_some_us")); // not there: left out, never zero
    }

    [Fact]
    public void Cgroup_v2_with_the_systemd_driver_is_one_folder()
    {
        Write("cgroup.controllers", "cpu memory io\n");
        var dir = $"system.slice/docker-{Id}.scope";
        Write($"{dir}/cpu.stat", "usage_usec 18512141\nuser_usec 155538\nsystem_usec 18356603\nnr_periods 10\nnr_throttled 4\nthrottled_usec 2500\n");
        Write($"{dir}/cpu.max", "40000 100000\n");
        Write($"{dir}/memory.current", "1000000\n");
        Write($"{dir}/memory.stat", "anon 900000\ninactive_file 100000\n");
        Write($"{dir}/memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=77\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n");

        var counters = ContainerCgroup.Find(_root, Id, out _)!.Read();

        AssertCounters(counters, ("cpu_ns", 18512141000), ("throttled_periods", 4), ("throttled_ns", 2500000), ("quota_us", 40000),
            ("period_us", 100000), ("inactive_file", 100000), ("memory_some_us", 77));
    }

    [Fact]
    public void A_segment_is_cpu_time_per_wall_second_over_the_containers_quota()
    {
        var t0 = DateTimeOffset.UnixEpoch;
        var start = new HostEdge(t0, new Dictionary<string, long> { ["cpu_ns"] = 0, ["throttled_periods"] = 10, ["throttled_ns"] = 0, ["cpu_some_us"] = 0 });
        // 0.54 s of CPU in 1.5 s on a 0.4-CPU quota: 90% of the allocation.
        var end = new HostEdge(t0.AddSeconds(1.5), new Dictionary<string, long>
        {
            ["cpu_ns"] = 540_000_000, ["throttled_periods"] = 25, ["throttled_ns"] = 300_000_000, ["cpu_some_us"] = 150_000,
            ["quota_us"] = 40000, ["period_us"] = 100000, ["mem_bytes"] = 2000, ["inactive_file"] = 500,
        });

        var v = DockerHostView.Segment(start, end, allocatedCpus: 1);

        Assert.Equal(90, v.CpuPercent, 6);
        Assert.Equal(15, v.ThrottledPeriods);
        Assert.Equal(0.3, v.ThrottledSeconds!.Value, 6);
        Assert.Equal(1500, v.MemoryBytes);
        Assert.Equal(10, v.CpuPressurePercent!.Value, 6);
        Assert.Null(v.MemoryPressurePercent);
        Assert.Null(v.Unavailable);
    }

    [Fact]
    public async Task A_remote_engine_gives_no_host_view_and_says_why()
    {
        var view = new DockerHostView("tcp://build-host:2376", _root);

        var edge = await view.ReadAsync(new Guest(), TestContext.Current.CancellationToken);

        Assert.Contains("host view unavailable: the Docker engine is at tcp://build-host:2376", edge.Unavailable);
        Assert.Equal(edge.Unavailable, view.Between(new Guest(), edge, edge).Unavailable);
    }

    [Fact]
    public void A_container_whose_cgroup_is_not_here_is_not_found()
    {
        Write("cpuacct/docker/other/cpuacct.usage", "1\n");

        Assert.Null(ContainerCgroup.Find(_root, Id, out var looked));
        Assert.Equal(Path.Combine(_root, "cpuacct"), looked);
    }

    private static void AssertCounters(IReadOnlyDictionary<string, long> counters, params (string Key, long Value)[] expected) =>
        Assert.Equal(expected, expected.Select(e => (e.Key, counters.GetValueOrDefault(e.Key, -1))));

    private sealed class Guest : IGuest
    {
        public string Name => "S1";

        public string Identity => "not a container";

        public GuestAllocation Allocation { get; } = new(0.4, 1 << 30);

        public SamplerSource SamplerSource => SamplerSource.Cgroup;

        public IRemoteShell Shell => throw new NotSupportedException();

        public Task<string?> CheckAliveAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
