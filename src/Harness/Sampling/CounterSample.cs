using System.Globalization;

namespace Harness.Sampling;

/// <summary>
/// One line of the in-guest sampler: raw counters at one instant. <see cref="GuestTime"/> is the guest's
/// monotonic clock (seconds, from /proc/uptime); <see cref="ReceivedAt"/> is when the harness read it.
/// </summary>
public sealed record CounterSample(DateTimeOffset ReceivedAt, double GuestTime, IReadOnlyDictionary<string, long> Counters)
{
    public long? this[string name] => Counters.TryGetValue(name, out var v) ? v : null;

    /// <summary>Parses <c>t=12.34 key=value ...</c>; returns null for anything else (e.g. a shell warning).</summary>
    public static CounterSample? Parse(string line, DateTimeOffset receivedAt)
    {
        double? t = null;
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=');
            if (eq <= 0) return null;
            var key = token[..eq];
            var value = token[(eq + 1)..];
            if (key == "t")
            {
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var tv)) return null;
                t = tv;
            }
            else if (value == "max")
            {
                counters[key] = -1; // cgroup v2 "no limit"
            }
            else if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var lv))
            {
                counters[key] = lv;
            }
        }
        return t is null ? null : new CounterSample(receivedAt, t.Value, counters);
    }
}
