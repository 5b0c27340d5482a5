using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Harness.Remote;

/// <summary>An <see cref="IRemoteShell"/> over SSH.NET, with the guest's host key pinned.</summary>
public sealed class SshShell : IRemoteShell
{
    private readonly SshClient _client;
    private readonly string _endpoint;

    private SshShell(SshClient client, string endpoint)
    {
        _client = client;
        _endpoint = endpoint;
    }

    /// <param name="pinnedHostKeySha256">OpenSSH SHA256 fingerprint (with or without the "SHA256:" prefix and padding).</param>
    public static Task<SshShell> ConnectAsync(
        string host, int port, string user, SshKeyPair key, string pinnedHostKeySha256, CancellationToken cancellationToken) =>
        ConnectAsync(host, port, user, key.PrivateKeyPem(), pinnedHostKeySha256, cancellationToken);

    /// <summary>
    /// Trust on first use, for guests whose host key cannot be read out of band (a fresh VM makes its own at first boot):
    /// the first key seen through <paramref name="trust"/> is recorded — even if the login then fails — and every later
    /// connection through the same <paramref name="trust"/> must present it.
    /// </summary>
    public static Task<SshShell> ConnectAsync(
        string host, int port, string user, SshKeyPair key, HostKeyTrust trust, CancellationToken cancellationToken) =>
        ConnectWithPemAsync(host, port, user, key.PrivateKeyPem(), trust.PinOrGet, cancellationToken);

    /// <summary>
    /// For guests that already exist and trust a long-lived key (the static backend): the private key comes as PEM text
    /// (from the environment, never a file the harness writes) and the host key must match <paramref name="pinnedHostKeySha256"/>.
    /// </summary>
    public static Task<SshShell> ConnectAsync(
        string host, int port, string user, string privateKeyPem, string pinnedHostKeySha256, CancellationToken cancellationToken)
    {
        var expected = NormaliseFingerprint(pinnedHostKeySha256);
        return ConnectWithPemAsync(host, port, user, privateKeyPem, _ => expected, cancellationToken);
    }

    private static async Task<SshShell> ConnectWithPemAsync(
        string host, int port, string user, string privateKeyPem, Func<string, string> expectedFor, CancellationToken cancellationToken)
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
        var endpoint = $"{host}:{port}";
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
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
        return new SshShell(client, endpoint);
    }

    public async Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken)
    {
        using var cmd = _client.CreateCommand(command);
        await cmd.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        return new CommandResult(cmd.ExitStatus ?? -1, cmd.Result, cmd.Error);
    }

    public async IAsyncEnumerable<string> StreamLinesAsync(
        string command, ChannelReader<string> input, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var cmd = _client.CreateCommand(command);
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

        await foreach (var line in ReadUntilCancelled(lines.Reader, cancellationToken).ConfigureAwait(false))
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

    private static async IAsyncEnumerable<string> ReadUntilCancelled(ChannelReader<string> reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            bool more;
            try
            {
                more = await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
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

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static string NormaliseFingerprint(string fingerprint)
    {
        var f = fingerprint.Trim();
        if (f.StartsWith("SHA256:", StringComparison.Ordinal)) f = f["SHA256:".Length..];
        return f.TrimEnd('=');
    }
}

/// <summary>The host key a trust-on-first-use connection pinned; one instance per guest and run.</summary>
public sealed class HostKeyTrust
{
    private readonly Lock _gate = new();

    /// <summary>OpenSSH SHA256 fingerprint (no prefix, no padding) seen first, or null before any connection.</summary>
    public string? Fingerprint { get; private set; }

    internal string PinOrGet(string received)
    {
        lock (_gate)
        {
            Fingerprint ??= received;
            return Fingerprint;
        }
    }

    public override string ToString() => Fingerprint is null ? "host key not seen yet" : $"host key SHA256:{Fingerprint}";
}
