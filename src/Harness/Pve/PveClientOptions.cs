using Harness.Configuration;

namespace Harness.Pve;

/// <summary>How to reach and authenticate to one PVE API endpoint. <see cref="ToString"/> never shows the secret.</summary>
public sealed record PveClientOptions
{
    public required Uri BaseUrl { get; init; }

    public required string TokenId { get; init; }

    public required string TokenSecret { get; init; }

    /// <summary>SHA-256 fingerprint (AA:BB:…) the server certificate must have; null = ordinary chain and name validation.</summary>
    public string? Fingerprint { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of a transient failure (5xx, 595-599, connection errors), with exponential backoff.</summary>
    public int MaxRetries { get; init; } = 4;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Told about each retry, for the progress log.</summary>
    public Action<string>? OnRetry { get; init; }

    public static PveClientOptions From(PveOptions options, Action<string>? onRetry = null) => new()
    {
        BaseUrl = options.Url,
        TokenId = options.TokenId,
        TokenSecret = options.TokenSecret,
        Fingerprint = options.Fingerprint,
        OnRetry = onRetry,
    };

    public override string ToString() =>
        $"PveClientOptions {{ BaseUrl = {BaseUrl}, TokenId = {TokenId}, TokenSecret = (hidden), Fingerprint = {Fingerprint ?? "(none)"} }}";
}
