using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Harness.Remote;

/// <summary>
/// An <see cref="IRemoteShell"/> over SSH.NET, with the guest's host key pinned, a time limit on every command and
/// a bounded number of reconnections when the connection drops (<see cref="RemoteShellOptions"/>).
/// </summary>
public sealed class SshShell : IRemoteShell
{
    private readonly Func<CancellationToken, Task<SshClient>> _connect;
    private readonly RemoteShellOptions _options;
    private readonly string _endpoint;
    private readonly SemaphoreSlim _reconnecting = new(1, 1);
    private SshClient _client;
    private int _reconnects;

    private SshShell(SshClient client, Func<CancellationToken, Task<SshClient>> connect, string endpoint, RemoteShellOptions options)
    {
        _client = client;
        _connect = connect;
        _endpoint = endpoint;
        _options = options;
    }

    /// <param name="pinnedHostKeySha256">OpenSSH SHA256 fingerprint (with or without the "SHA256:" prefix and padding).</param>
    public static Task<SshShell> ConnectAsync(
        string host, int port, string user, SshKeyPair key, string pinnedHostKeySha256, CancellationToken cancellationToken,
        RemoteShellOptions? options = null) =>
        ConnectAsync(host, port, user, key.PrivateKeyPem(), pinnedHostKeySha256, cancellationToken, options);

    /// <summary>
    /// Trust on first use, for guests whose host key cannot be read out of band (a fresh VM makes its own at first boot):
    /// the first key seen through <paramref name="trust"/> is recorded — even if the login then fails — and every later
    /// connection through the same <paramref name="trust"/> must present it.
    /// </summary>
    public static Task<SshShell> ConnectAsync(
        string host, int port, string user, SshKeyPair key, HostKeyTrust trust, CancellationToken cancellationToken,
        RemoteShellOptions? options = null) =>
        ConnectWithPemAsync(host, port, user, key.PrivateKeyPem(), trust.PinOrGet, options ?? RemoteShellOptions.Default, cancellationToken);

    /// <summary>
    /// For guests that already exist and trust a long-lived key (the static backend): the private key comes as PEM text
    /// (from the environment, never a file the harness writes) and the host key must match <paramref name="pinnedHostKeySha256"/>.
    /// </summary>
    public static Task<SshShell> ConnectAsync(
        string host, int port, string user, string privateKeyPem, string pinnedHostKeySha256, CancellationToken cancellationToken,
        RemoteShellOptions? options = null)
    {
        var expected = NormaliseFingerprint(pinnedHostKeySha256);
        return ConnectWithPemAsync(host, port, user, privateKeyPem, _ => expected, options ?? RemoteShellOptions.Default, cancellationToken);
    }

    private static async Task<SshShell> ConnectWithPemAsync(
        string host, int port, string user, string privateKeyPem, Func<string, string> expectedFor, RemoteShellOptions options,
        CancellationToken cancellationToken)
    {
        var endpoint = $"{host}:{port}";
        // Every reconnection pins the same host key: a guest re-created behind the same address is refused.
        async Task<SshClient> Connect(CancellationToken ct)
        {
            using var pem = new MemoryStream(Encoding.ASCII.GetBytes(privateKeyPem));
            var keyFile = new PrivateKeyFile(pem);
            var info = new ConnectionInfo(host, port, user, new PrivateKeyAuthenticationMethod(user, keyFile))
            {
                Timeout = TimeSpan.FromSeconds(15),
            };
            var client = new SshClient(info) { KeepAliveInterval = TimeSpan.FromSeconds(10) };
            string? received = null;
            string? expected = null;
            client.HostKeyReceived += (_, e) =>
            {
                received = NormaliseFingerprint(e.FingerPrintSHA256);
                expected = expectedFor(received);
                e.CanTrust = string.Equals(received, expected, StringComparison.Ordinal);
            };
            try
            {
                await client.ConnectAsync(ct).ConfigureAwait(false);
                return client;
            }
            catch (SshConnectionException) when (received is not null && expected is not null && received != expected)
            {
                client.Dispose();
                throw new HostKeyMismatchException(endpoint, expected, received);
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }
        return new SshShell(await Connect(cancellationToken).ConfigureAwait(false), Connect, endpoint, options);
    }

    /// <summary>Dropped connections re-established so far.</summary>
    public int Reconnections => Volatile.Read(ref _reconnects);

    public async Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CommandTimeout);
        while (true)
        {
            SshClient? client = null;
            try
            {
                client = await ConnectedClientAsync(timeout.Token, cancellationToken).ConfigureAwait(false);
                using var cmd = client.CreateCommand(command);
                await cmd.ExecuteAsync(timeout.Token).ConfigureAwait(false);
                // A connection that drops mid-command closes the channel without an exit status.
                if (cmd.ExitStatus is not null || client.IsConnected) return new CommandResult(cmd.ExitStatus ?? -1, cmd.Result, cmd.Error);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw TimedOut(command);
            }
            catch (Exception e) when (e is SshConnectionException or SocketException || e is ObjectDisposedException && client is { IsConnected: false })
            {
                // Sent again on the next connection, within the reconnect budget. A command that had run before the drop
                // runs twice, so guest commands must be safe to repeat. SSH.NET can raise the drop before its IsConnected
                // flag follows; a client that raised it is given up, so that the next attempt reconnects.
                if (client is { IsConnected: true }) Abandon(client);
            }
        }
    }

    public async IAsyncEnumerable<string> StreamLinesAsync(
        string command, ChannelReader<string> input, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = await ConnectedClientAsync(cancellationToken, cancellationToken).ConfigureAwait(false);
        using var cmd = client.CreateCommand(command);
        var running = cmd.ExecuteAsync(cancellationToken);
        _ = ForwardInputAsync(cmd.CreateInputStream(), input, cancellationToken);
        var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // SSH.NET's output pipe blocks on read, so one dedicated thread drains it for the whole stream.
        _ = Task.Factory.StartNew(() =>
        {
            try
            {
                using var reader = new StreamReader(cmd.OutputStream, Encoding.UTF8);
                while (reader.ReadLine() is { } line) lines.Writer.TryWrite(line);
                lines.Writer.TryComplete();
            }
            catch (Exception e)
            {
                lines.Writer.TryComplete(e);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        await foreach (var line in ReadUntilCancelled(lines.Reader, _options.CommandTimeout, cancellationToken).ConfigureAwait(false))
        {
            yield return line;
        }
        try
        {
            await running.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or SshException)
        {
            // The stream's consumer decides whether an early end is a failure.
        }
    }

    private static async Task ForwardInputAsync(Stream stdin, ChannelReader<string> input, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var line in input.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                await stdin.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SshException or ObjectDisposedException or IOException)
        {
            // The command ended or the connection dropped; the output side reports that.
        }
        finally
        {
            try
            {
                await stdin.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or ObjectDisposedException or IOException)
            {
                // Closing the input of a command that is gone.
            }
        }
    }

    /// <summary>Lines until the stream ends, is cancelled, or stays silent for <paramref name="silence"/> (the consumer sees an early end).</summary>
    private static async IAsyncEnumerable<string> ReadUntilCancelled(
        ChannelReader<string> reader, TimeSpan silence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            bool more;
            try
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                quiet.CancelAfter(silence);
                more = await reader.WaitToReadAsync(quiet.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            catch (Exception e) when (e is SshException or ObjectDisposedException or IOException)
            {
                yield break;
            }
            if (!more) yield break;
            while (reader.TryRead(out var line)) yield return line;
        }
    }

    public override string ToString() => $"ssh {_endpoint}";

    private static void Abandon(SshClient client)
    {
        try
        {
            client.Disconnect();
        }
        catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Already gone: all that matters is that it no longer reports itself connected.
        }
    }

    /// <summary>The live client, reconnected first when the connection has dropped and the budget allows.</summary>
    private async Task<SshClient> ConnectedClientAsync(CancellationToken timeout, CancellationToken cancellationToken)
    {
        var client = Volatile.Read(ref _client);
        if (client.IsConnected) return client;
        await _reconnecting.WaitAsync(timeout).ConfigureAwait(false);
        try
        {
            // Another caller may have reconnected while this one waited.
            if (_client.IsConnected) return _client;
            if (_reconnects >= _options.Reconnects)
            {
                throw new GuestUnreachableException(
                    $"{this}: the SSH connection dropped again after {_reconnects} reconnection(s) (HARNESS_SSH_RECONNECTS={_options.Reconnects}); the guest is unreachable.");
            }
            try
            {
                var fresh = await _connect(timeout).ConfigureAwait(false);
                _reconnects++;
                _client.Dispose();
                _client = fresh;
                return fresh;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new GuestUnreachableException($"{this}: the SSH connection dropped and could not be re-established within {Seconds} s.");
            }
            catch (Exception e) when (e is SshException or SocketException)
            {
                throw new GuestUnreachableException($"{this}: the SSH connection dropped and could not be re-established ({e.Message}).", e);
            }
        }
        finally
        {
            _reconnecting.Release();
        }
    }

    private GuestUnreachableException TimedOut(string command) =>
        new($"{this}: a command did not finish within {Seconds} s (HARNESS_COMMAND_TIMEOUT_SECONDS); the guest may be paused or cut off: " +
            (command.Length > 60 ? command[..60] + "…" : command));

    private string Seconds => _options.CommandTimeout.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _reconnecting.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static string NormaliseFingerprint(string fingerprint)
    {
        var f = fingerprint.Trim();
        if (f.StartsWith("SHA256:", StringComparison.Ordinal)) f = f["SHA256:".Length..];
        return f.TrimEnd('=');
    }
}
