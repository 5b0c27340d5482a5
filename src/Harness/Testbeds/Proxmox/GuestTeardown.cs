using Harness.Pve;

namespace Harness.Testbeds.Proxmox;

/// <summary>Stop and destroy one guest, whatever state a failed or cancelled run left it in.</summary>
internal static class GuestTeardown
{
    /// <returns>False when the guest did not exist (any more).</returns>
    public static async Task<bool> DestroyAsync(IPveClient client, PveGuestRef guest, TimeSpan taskTimeout, TimeSpan poll, CancellationToken cancellationToken)
    {
        PveGuestStatus status;
        try
        {
            status = await client.GetStatusAsync(guest, cancellationToken).ConfigureAwait(false);
        }
        catch (PveApiException e) when (e.IsDoesNotExist)
        {
            return false;
        }
        // A clone or create still running (the run was cancelled mid-way) holds a lock that refuses stop and destroy.
        var deadline = DateTime.UtcNow + taskTimeout;
        while (status.Lock is "clone" or "create" or "disk" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
            try
            {
                status = await client.GetStatusAsync(guest, cancellationToken).ConfigureAwait(false);
            }
            catch (PveApiException e) when (e.IsDoesNotExist)
            {
                return false; // a failed clone removes its own config
            }
        }
        if (status.Status != "stopped")
        {
            var stop = await client.StopAsync(guest, cancellationToken).ConfigureAwait(false);
            await PveTasks.WaitAsync(client, stop, $"stop of {guest}", taskTimeout, cancellationToken, poll).ConfigureAwait(false);
        }
        var destroy = await client.DestroyAsync(guest, cancellationToken).ConfigureAwait(false);
        await PveTasks.WaitAsync(client, destroy, $"destroy of {guest}", taskTimeout, cancellationToken, poll).ConfigureAwait(false);
        return true;
    }
}
