namespace Harness.Testbeds;

/// <summary>
/// A guest that never came up (no address, or SSH never let the run in) before its boot wait ran out. The message
/// names the guest, what it waited for and the setting that bounds the wait; the backend removed what it created.
/// </summary>
public sealed class GuestStartTimeoutException(string message, Exception? inner = null) : TimeoutException(message, inner);
