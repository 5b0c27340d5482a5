using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace PveEmulator.Runtime;

/// <summary>
/// Talks QGA on the VM's virtio-serial unix socket: guest-sync first (so a stale reply from an earlier, timed-out
/// exchange is skipped), then the command. Errors are PVE's words for the same situations.
/// </summary>
public static class GuestAgentClient
{
    public static async Task<JsonNode> ExecuteAsync(string socketPath, string command, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connect.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), connect.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new PveError(500, "QEMU guest agent is not running");
        }
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var id = Random.Shared.Next(1, int.MaxValue);
        await SendAsync(stream, $"{{\"execute\":\"guest-sync\",\"arguments\":{{\"id\":{id}}}}}", cancellationToken).ConfigureAwait(false);
        // PVE pings the agent with a short timeout before a command; no answer there reads as "not running".
        var sync = await ReadUntilAsync(reader, n => n?["return"]?.GetValueKind() == System.Text.Json.JsonValueKind.Number && (long)n["return"]! == id,
            TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false) ?? throw new PveError(500, "QEMU guest agent is not running");
        _ = sync;
        await SendAsync(stream, $"{{\"execute\":\"{command}\"}}", cancellationToken).ConfigureAwait(false);
        var answer = await ReadUntilAsync(reader, n => n?["return"] is not null || n?["error"] is not null, TimeSpan.FromSeconds(10), cancellationToken)
            .ConfigureAwait(false) ?? throw new PveError(500, "got timeout");
        if (answer["error"] is { } error) throw new PveError(500, $"guest agent error: {error["desc"]}");
        return answer["return"]!.DeepClone();
    }

    private static async Task SendAsync(Stream stream, string json, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(json + "\n"), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<JsonNode?> ReadUntilAsync(StreamReader reader, Func<JsonNode?, bool> wanted, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var line = await reader.ReadLineAsync(cts.Token).ConfigureAwait(false);
                if (line is null) return null;
                line = line.Trim('\xff', ' ', '\r');
                if (line.Length == 0) continue;
                JsonNode? node;
                try
                {
                    node = JsonNode.Parse(line);
                }
                catch (System.Text.Json.JsonException)
                {
                    continue; // a partial line left over from an earlier exchange
                }
                if (wanted(node)) return node;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
