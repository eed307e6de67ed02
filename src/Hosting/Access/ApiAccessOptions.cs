using System.ComponentModel.DataAnnotations;

namespace EventShadow.Hosting.Access;

/// <summary>
/// API keys and rate limits of a service's HTTP API, from the <c>Api</c> configuration section.
/// </summary>
public sealed class ApiAccessOptions
{
    public const string SectionName = "Api";

    /// <summary>The keys that may call the API. At least one is required: without keys every call would be rejected.</summary>
    public IList<ApiKeyOptions> Keys { get; set; } = [];

    /// <summary>Requests one key, or one client address without a valid key, may make per minute.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerMinute { get; set; } = 600;
}

/// <summary>
/// One API key: a name for logs, the key itself or its SHA-256 hash, and the scopes it grants.
/// </summary>
public sealed class ApiKeyOptions
{
    /// <summary>Name that logs and the rate limiter use in place of the key.</summary>
    public string Name { get; set; } = "";

    /// <summary>The key in plain text. Set this or <see cref="Sha256"/>, not both.</summary>
    public string? Key { get; set; }

    /// <summary>SHA-256 of the key's UTF-8 bytes as 64 hexadecimal digits, so that the configuration need not hold the key.</summary>
    public string? Sha256 { get; set; }

    /// <summary>Scopes granted: <c>read</c>, <c>submit</c> or both.</summary>
    public IList<string> Scopes { get; set; } = [];
}
