namespace Harness.Remote;

/// <summary>
/// Limits of the remote-shell layer, so that a paused VM or a cut network ends a run instead of hanging it.
/// </summary>
/// <param name="CommandTimeout">Longest one command may take (HARNESS_COMMAND_TIMEOUT_SECONDS); a stream ends after this long without a line.</param>
/// <param name="Reconnects">Dropped connections re-established per guest before it counts as unreachable (HARNESS_SSH_RECONNECTS).</param>
public sealed record RemoteShellOptions(TimeSpan CommandTimeout, int Reconnects)
{
    public static RemoteShellOptions Default { get; } = new(TimeSpan.FromSeconds(120), 3);
}

/// <summary>A guest that stopped answering: a command ran out of time, or its connection dropped once too often.</summary>
public sealed class GuestUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
