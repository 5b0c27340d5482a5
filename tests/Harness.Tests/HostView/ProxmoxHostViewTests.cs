using System.Text.Json;
using Harness.Pve;
using Harness.Testbeds.Proxmox;
using Xunit;

namespace Harness.Tests.HostView;

public sealed class ProxmoxHostViewTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    private static PveStatusSample At(double seconds, double cpu, PvePressure? pressure = null) =>
        new(T0.AddSeconds(seconds), "S1", "running", cpu, 2, 500, 1000, pressure);

    [Fact]
    public void Readings_are_matched_to_a_segment_by_the_time_each_one_covers()
    {
        // Segment [1, 2.5]: the reading at 1.0 covers [0, 1] (outside), the one at 2.0 covers [1, 2] and the one at
        // 3.0 covers [2, 3], of which half a second lies inside.
        var readings = new[] { At(0, 0), At(1, 0.1), At(2, 0.4), At(3, 0.1) };

        var v = ProxmoxHostView.Segment(readings, T0.AddSeconds(1), T0.AddSeconds(2.5), allocatedCpus: 2);

        // (1 s × 0.4 + 0.5 s × 0.1) / 1.5 s of a 2-vCPU guest's vCPUs, as a share of its 2-CPU allocation.
        Assert.Equal(30, v.CpuPercent, 6);
        Assert.Equal(500, v.MemoryBytes);
        Assert.Null(v.CpuPressurePercent); // PVE 8 has no pressure*: absent, not zero
    }

    [Fact]
    public void A_repeated_value_is_the_nodes_cached_answer_and_the_next_new_value_covers_the_time_since_the_one_before()
    {
        // The guest idles at 0.1 until 1.0 and is busy at 0.8 from then on. The node computes at 1.0 (0.1 over
        // [0, 1]) and answers the edge at 1.3 with that value again; its next computation at 2.3 covers [1.0, 2.3].
        var readings = new[] { At(0, 0), At(1, 0.1), At(1.3, 0.1), At(2.3, 0.8), At(3.3, 0.8 + 1e-9) };

        var v = ProxmoxHostView.Segment(readings, T0.AddSeconds(1.3), T0.AddSeconds(3.3), allocatedCpus: 2);

        Assert.Equal(80, v.CpuPercent, 3);

        // [1.0, 1.3] is covered by the value computed at 2.3 alone: taking the repeat at 1.3 as new would have put
        // the idle 0.1 there, in busy time.
        var early = ProxmoxHostView.Segment(readings, T0.AddSeconds(1.0), T0.AddSeconds(1.3), allocatedCpus: 2);
        Assert.Equal(80, early.CpuPercent, 3);
    }

    [Fact]
    public void Pressure_is_kept_when_every_reading_has_it()
    {
        var p = new PvePressure(12, 10, 0, 0, 1, 0);
        var readings = new[] { At(0, 0, p), At(1.5, 0.9, p) };

        var v = ProxmoxHostView.Segment(readings, T0, T0.AddSeconds(1.5), allocatedCpus: 1);

        Assert.Equal(180, v.CpuPercent, 6);
        Assert.Equal(12, v.CpuPressurePercent);
        Assert.Equal(1, v.IoPressurePercent);
    }

    [Fact]
    public void A_segment_covered_by_too_few_readings_has_no_host_figure()
    {
        var readings = new[] { At(0, 0), At(1.2, 0.5) };

        var v = ProxmoxHostView.Segment(readings, T0.AddSeconds(1), T0.AddSeconds(2.5), allocatedCpus: 1);

        Assert.True(double.IsNaN(v.CpuPercent));
    }

    [Fact]
    public void Pve_9_pressure_fields_are_read_and_pve_8_has_none()
    {
        using var pve9 = JsonDocument.Parse("""{"cpu":0.5,"pressurecpusome":"3.5","pressurecpufull":1,"pressurememorysome":0,"pressurememoryfull":0,"pressureiosome":0.25,"pressureiofull":0}""");
        using var pve8 = JsonDocument.Parse("""{"cpu":0.5}""");

        Assert.Equal(new PvePressure(3.5, 1, 0, 0, 0.25, 0), PveClient.Pressure(pve9.RootElement));
        Assert.Null(PveClient.Pressure(pve8.RootElement));
    }

    [Fact]
    public void Outside_the_guests_is_the_nodes_busy_CPU_less_its_guests_over_the_settled_part_of_the_stretch()
    {
        // A 2-CPU node: a value spans at least 10 s / 2 = 5 s, so only values from 7 s on count. The node computes a
        // new value every 5 s (1.2 CPUs busy) and repeats it in between; its two guests use 0.4 and 0.5 of their
        // 1 vCPU: 0.3 CPUs outside them, 30% of a CPU. The value at 5 s may reach back before the stretch: left out.
        var node = Enumerable.Range(0, 16).Select(s => new PveNodeSample(T0.AddSeconds(s), "pve1", s < 5 ? 0.9 : (s / 5 % 2 == 0 ? 0.6 : 0.6 + 1e-9), 2)).ToArray();
        var guests = Enumerable.Range(0, 16).SelectMany(s => new[]
        {
            new PveStatusSample(T0.AddSeconds(s), "S1", "running", 0.4 + s * 1e-9, 1, 0, 0),
            new PveStatusSample(T0.AddSeconds(s), "S2", "running", 0.5 + s * 1e-9, 1, 0, 0),
        }).ToArray();
        var members = new Dictionary<string, string> { ["S1"] = "pve1", ["S2"] = "pve1" };

        Assert.Equal(30, ProxmoxHostView.Outside(node, guests, members, T0, T0.AddSeconds(15))!.Value, 3);
        // Before the stretch has settled there is nothing to tell from, and a guest without values cannot be accounted for.
        Assert.Null(ProxmoxHostView.Outside(node, guests, members, T0, T0.AddSeconds(6)));
        Assert.Null(ProxmoxHostView.Outside(node, guests.Where(g => g.Guest == "S1").ToArray(), members, T0, T0.AddSeconds(15)));
        Assert.Null(ProxmoxHostView.Outside(node.Select(n => n with { Cpu = double.NaN }).ToArray(), guests, members, T0, T0.AddSeconds(15)));
    }
}
