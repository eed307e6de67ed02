using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace EventShadow.Hosting.Access;

/// <summary>
/// Checks the <c>Api:Keys</c> list at start-up, naming the setting of each problem, and never the key itself.
/// </summary>
public sealed partial class ApiAccessOptionsValidator : IValidateOptions<ApiAccessOptions>
{
    /// <summary>Shortest plain-text key accepted; 16 characters of base64 carry 96 bits.</summary>
    public const int MinKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, ApiAccessOptions options)
    {
        var errors = new List<string>();
        if (options.Keys.Count == 0)
        {
            errors.Add(
                "Api:Keys is empty, so every API call would be rejected. Add a key with a name, a key or its SHA-256, " +
                "and scopes (read, submit), or run `bash infra/setup.sh`, which writes keys to its env file.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < options.Keys.Count; index++)
        {
            var key = options.Keys[index];
            var prefix = $"Api:Keys:{index}";

            if (!KeyName().IsMatch(key.Name))
            {
                errors.Add($"{prefix}:Name must be 1 to 64 letters, digits, '.', '_' or '-'.");
            }
            else if (!names.Add(key.Name))
            {
                errors.Add($"{prefix}:Name '{key.Name}' is used by another key; names must be unique.");
            }

            var hash = CheckSecret(key, prefix, errors);
            if (hash is not null && !hashes.Add(hash))
            {
                errors.Add($"{prefix} has the same key as another entry; give each client its own key.");
            }

            if (key.Scopes.Count == 0)
            {
                errors.Add($"{prefix}:Scopes is empty; grant '{ApiScopes.Read}', '{ApiScopes.Submit}' or both.");
            }

            foreach (var scope in key.Scopes.Where(scope => !ApiScopes.All.Contains(scope)))
            {
                errors.Add($"{prefix}:Scopes has '{scope}', which is not a scope; use '{ApiScopes.Read}' or '{ApiScopes.Submit}'.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Returns the entry's SHA-256 as lower-case hex, or <c>null</c> after adding why it is invalid.</summary>
    private static string? CheckSecret(ApiKeyOptions key, string prefix, List<string> errors)
    {
        var hasKey = !string.IsNullOrEmpty(key.Key);
        var hasHash = !string.IsNullOrEmpty(key.Sha256);
        if (hasKey == hasHash)
        {
            errors.Add($"{prefix} needs exactly one of Key and Sha256.");
            return null;
        }

        if (hasKey)
        {
            if (key.Key!.Length < MinKeyLength || key.Key.Any(char.IsWhiteSpace))
            {
                errors.Add($"{prefix}:Key must have at least {MinKeyLength} characters and no white space.");
                return null;
            }

            return ApiKeyRing.HashHex(key.Key);
        }

        if (!Sha256Hex().IsMatch(key.Sha256!))
        {
            errors.Add($"{prefix}:Sha256 must be 64 hexadecimal digits, the SHA-256 of the key's UTF-8 bytes.");
            return null;
        }

        return key.Sha256!.ToLowerInvariant();
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex KeyName();

    [GeneratedRegex("^[0-9A-Fa-f]{64}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Sha256Hex();
}
