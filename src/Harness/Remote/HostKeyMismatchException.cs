namespace Harness.Remote;

public sealed class HostKeyMismatchException(string endpoint, string expected, string received)
    : Exception($"SSH host key of {endpoint} is SHA256:{received}, but SHA256:{expected} was pinned for it. " +
                "The guest is not the one the harness provisioned (or was re-created); refusing to connect.")
{
}
