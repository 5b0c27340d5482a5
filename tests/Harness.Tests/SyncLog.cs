namespace Harness.Tests;

/// <summary>A progress log that several threads may write at once (samplers, teardown, signal handlers).</summary>
internal sealed class SyncLog
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];

    public void Add(string line)
    {
        lock (_gate) _lines.Add(line);
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate) return _lines.ToArray();
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, Lines);
}
