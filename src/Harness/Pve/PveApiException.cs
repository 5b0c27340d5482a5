namespace Harness.Pve;

/// <summary>
/// A failed PVE API call, carrying PVE's own error text (reason phrase, "message" body field, per-parameter errors).
/// The message names the method and path, never the token.
/// </summary>
public class PveApiException : Exception
{
    public PveApiException(string method, string path, int statusCode, string pveError, IReadOnlyDictionary<string, string>? parameterErrors, string? hint = null)
        : base(Compose(method, path, statusCode, pveError, parameterErrors, hint))
    {
        Method = method;
        Path = path;
        StatusCode = statusCode;
        PveError = pveError;
        ParameterErrors = parameterErrors ?? new Dictionary<string, string>();
    }

    protected PveApiException(string message, Exception? inner) : base(message, inner)
    {
        Method = "";
        Path = "";
        PveError = message;
        ParameterErrors = new Dictionary<string, string>();
    }

    public string Method { get; }

    public string Path { get; }

    /// <summary>HTTP status, or 0 when no answer came.</summary>
    public int StatusCode { get; }

    /// <summary>PVE's error text as sent.</summary>
    public string PveError { get; }

    public IReadOnlyDictionary<string, string> ParameterErrors { get; }

    /// <summary>
    /// Whether trying again may help: lock timeouts and other 5xx, and AnyEvent::HTTP's 595-599 pseudo-statuses
    /// (pveproxy could not reach pvedaemon or another node). Permanent 500s (missing VM, id taken, unsupported) are not.
    /// </summary>
    public virtual bool IsTransient => StatusCode switch
    {
        502 or 503 or 504 or 595 or 596 or 597 or 599 => true,
        500 => !IsPermanent500(PveError),
        _ => false,
    };

    /// <summary>
    /// Whether PVE may have carried the request out although no answer said so: no answer at all (timeout, dropped
    /// connection), or pveproxy lost pvedaemon's answer (596, 597, 599) or a gateway gave up (502, 504). Repeating a
    /// clone or create after this could make a second guest, or fail on the first one's id.
    /// </summary>
    public virtual bool IsAmbiguous => StatusCode is 502 or 504 or 596 or 597 or 599;

    public bool IsAlreadyExists => PveError.Contains("already exists", StringComparison.OrdinalIgnoreCase);

    public bool IsDoesNotExist => PveError.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
                                  || PveError.Contains("no such", StringComparison.OrdinalIgnoreCase);

    internal static bool IsPermanent500(string error) =>
        error.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
        || error.Contains("already exists", StringComparison.OrdinalIgnoreCase)
        || error.Contains("not supported", StringComparison.OrdinalIgnoreCase)
        || error.Contains("not allowed", StringComparison.OrdinalIgnoreCase)
        || error.Contains("no such", StringComparison.OrdinalIgnoreCase)
        || error.Contains("not implemented", StringComparison.OrdinalIgnoreCase)
        || error.Contains("No QEMU guest agent configured", StringComparison.OrdinalIgnoreCase)
        // The agent is not up during boot; the caller polls for it, so retrying each call would only slow that down.
        || error.Contains("guest agent is not running", StringComparison.OrdinalIgnoreCase)
        || error.Contains("is not running", StringComparison.OrdinalIgnoreCase) && !error.Contains("agent", StringComparison.OrdinalIgnoreCase);

    private static string Compose(string method, string path, int status, string error, IReadOnlyDictionary<string, string>? errors, string? hint)
    {
        var text = $"Proxmox VE {method} /{path} failed: {status} {error}";
        if (errors is { Count: > 0 }) text += " (" + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value.Trim()}")) + ")";
        if (hint is not null) text += ". " + hint;
        return text;
    }
}

/// <summary>No HTTP answer at all: DNS, refused connection, TLS refused, timeout.</summary>
public sealed class PveConnectionException(string message, Exception? inner, bool transient, bool ambiguous = true) : PveApiException(message, inner)
{
    public override bool IsTransient => transient;

    /// <summary>False only when the request surely never left (TLS refused, nothing listening).</summary>
    public override bool IsAmbiguous => ambiguous;
}

/// <summary>A task (UPID) that ended with an error or did not end in time.</summary>
public sealed class PveTaskException(string upid, string what, string? exitStatus, bool timedOut)
    : Exception(timedOut
        ? $"Proxmox VE task {what} did not finish within the timeout (task {upid}); it may still be running on the node"
        : $"Proxmox VE task {what} failed: {exitStatus} (task {upid})")
{
    public string Upid { get; } = upid;

    public string? ExitStatus { get; } = exitStatus;

    public bool TimedOut { get; } = timedOut;
}
