using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace EventShadow.Hosting.Access;

/// <summary>
/// The configured API keys as SHA-256 hashes, so that a presented key is hashed and compared in constant time.
/// </summary>
public sealed class ApiKeyRing
{
    private readonly IReadOnlyList<(byte[] Hash, ApiClient Client)> entries;

    public ApiKeyRing(IOptions<ApiAccessOptions> options)
    {
        entries = options.Value.Keys
            .Select(key => (
                key.Key is { Length: > 0 } plain ? Hash(plain) : Convert.FromHexString(key.Sha256!),
                new ApiClient(key.Name, key.Scopes.Distinct(StringComparer.Ordinal).ToList())))
            .ToList();
    }

    /// <summary>Finds the client that <paramref name="presentedKey"/> belongs to, or returns <c>null</c>.</summary>
    public ApiClient? Find(string presentedKey)
    {
        var presented = Hash(presentedKey);
        ApiClient? match = null;

        // Every entry is compared, so the time taken does not depend on which entry matches.
        foreach (var (hash, client) in entries)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, presented))
            {
                match = client;
            }
        }

        return match;
    }

    public static string HashHex(string key) => Convert.ToHexStringLower(Hash(key));

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

/// <summary>The holder of one API key: its configured name and scopes.</summary>
public sealed record ApiClient(string Name, IReadOnlyList<string> Scopes);
