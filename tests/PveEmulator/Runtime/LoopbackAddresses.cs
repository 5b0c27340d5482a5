using System.Collections.Concurrent;

namespace PveEmulator.Runtime;

/// <summary>
/// The 127.0.1.N addresses guests' SSH is reachable at, one per guest, shared by VMs and containers so that two
/// guests of one emulator never get the same one.
/// </summary>
public sealed class LoopbackAddresses
{
    private readonly ConcurrentDictionary<string, int> _taken = new();

    public string Allocate(int vmid)
    {
        // 127.0.1.1 is the host name's address on Debian; guests start at .2.
        for (var n = 2; n < 255; n++)
        {
            var a = $"127.0.1.{n}";
            if (_taken.TryAdd(a, vmid)) return a;
        }
        throw new PveError(500, "no free loopback address left for another guest (127.0.1.2-254)");
    }

    public void Release(string? address)
    {
        if (address is not null) _taken.TryRemove(address, out _);
    }
}
