using Harness.Configuration;
using Harness.Scenarios;
using Harness.Testbeds;
using Xunit;

namespace Harness.Tests.Proxmox;

/// <summary>Guests of their own size: each clone or container gets its own cores, cpulimit and memory.</summary>
public sealed partial class ProxmoxTestbedTests
{
    [Theory]
    [InlineData(PveGuestKind.Vm)]
    [InlineData(PveGuestKind.Lxc)]
    public async Task Five_guests_of_mixed_size_get_each_its_own_cores_cpulimit_and_memory(PveGuestKind kind)
    {
        // The run's default (Options): 1 core, cpulimit 0.5, 1024 MiB. S1 a fraction, S2 whole cores, S4 memory only.
        GuestSize[] sizes = [new(0.6, 512), new(2), GuestSize.Default, new(null, 2048)];

        var testbed = await CreateAsync(Options(kind), guests: 5, sizes: sizes);
        try
        {
            Assert.Equal(["S1", "S2", "S3", "S4", "S5"], testbed.Guests.Select(g => g.Name));
            Assert.Equal(
                [new GuestAllocation(0.6, 512L << 20), new(2, 1L << 30), new(0.5, 1L << 30), new(0.5, 2L << 30), new(0.5, 1L << 30)],
                testbed.Guests.Select(g => g.Allocation));
            var config = RunGuests().ToDictionary(g => (g.Config.GetValueOrDefault("name") ?? g.Config["hostname"])[^2..].ToUpperInvariant(), g => g.Config);
            Assert.Equal(("1", "0.6", "512"), (config["S1"]["cores"], config["S1"]["cpulimit"], config["S1"]["memory"]));
            // Whole cores need no limit: the run's cpulimit 0.5 would cut a 2-core guest to half a CPU.
            Assert.Equal(("2", false, "1024"), (config["S2"]["cores"], config["S2"].ContainsKey("cpulimit"), config["S2"]["memory"]));
            Assert.Equal(("1", "0.5", "1024"), (config["S3"]["cores"], config["S3"]["cpulimit"], config["S3"]["memory"]));
            Assert.Equal(("1", "0.5", "2048"), (config["S4"]["cores"], config["S4"]["cpulimit"], config["S4"]["memory"]));
            Assert.Equal(("0.6", "512"), (testbed.Facts["guest.S1.cpus"], testbed.Facts["guest.S1.memory_mib"]));
            Assert.Equal("5", testbed.Facts["guest.count"]);
        }
        finally
        {
            await testbed.DisposeAsync();
        }
        Assert.Empty(RunGuests());
    }
}
