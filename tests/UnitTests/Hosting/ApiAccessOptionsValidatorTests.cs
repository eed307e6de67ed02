using EventShadow.Hosting.Access;
using Microsoft.Extensions.Options;

namespace EventShadow.UnitTests.Hosting;

public sealed class ApiAccessOptionsValidatorTests
{
    private const string GoodKey = "k3y-with-enough-characters";

    private static readonly ApiAccessOptionsValidator Validator = new();

    [Fact]
    public void Valid_keys_pass()
    {
        var options = Options(
            new ApiKeyOptions { Name = "operator", Key = GoodKey, Scopes = ["read", "submit"] },
            new ApiKeyOptions { Name = "dashboard", Sha256 = ApiKeyRing.HashHex("another-key-for-the-dashboard"), Scopes = ["read"] });

        Assert.True(Validator.Validate(null, options).Succeeded);
    }

    [Fact]
    public void No_keys_fail_with_setting_name()
    {
        var result = Validator.Validate(null, Options());

        Assert.True(result.Failed);
        Assert.Contains("Api:Keys is empty", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", GoodKey, null, "read", "Api:Keys:0:Name")]
    [InlineData("operator", null, null, "read", "exactly one of Key and Sha256")]
    [InlineData("operator", GoodKey, "00", "read", "exactly one of Key and Sha256")]
    [InlineData("operator", "short", null, "read", "Api:Keys:0:Key must have at least 16")]
    [InlineData("operator", null, "not-hex", "read", "Api:Keys:0:Sha256 must be 64 hexadecimal digits")]
    [InlineData("operator", GoodKey, null, "write", "Api:Keys:0:Scopes has 'write'")]
    public void Invalid_entry_names_its_setting(string name, string? key, string? sha256, string scope, string expected)
    {
        var result = Validator.Validate(null, Options(new ApiKeyOptions { Name = name, Key = key, Sha256 = sha256, Scopes = [scope] }));

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_never_contains_the_key()
    {
        var secret = "secret with spaces that is long";

        var result = Validator.Validate(null, Options(new ApiKeyOptions { Name = "operator", Key = secret, Scopes = ["read"] }));

        Assert.True(result.Failed);
        Assert.DoesNotContain(secret, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_names_and_keys_fail()
    {
        var result = Validator.Validate(null, Options(
            new ApiKeyOptions { Name = "operator", Key = GoodKey, Scopes = ["read"] },
            new ApiKeyOptions { Name = "operator", Sha256 = ApiKeyRing.HashHex(GoodKey), Scopes = ["read"] }));

        Assert.True(result.Failed);
        Assert.Contains("Api:Keys:1:Name 'operator' is used by another key", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Api:Keys:1 has the same key as another entry", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_ring_finds_plain_and_hashed_keys()
    {
        var ring = new ApiKeyRing(Microsoft.Extensions.Options.Options.Create(Options(
            new ApiKeyOptions { Name = "operator", Key = GoodKey, Scopes = ["read", "submit"] },
            new ApiKeyOptions { Name = "dashboard", Sha256 = ApiKeyRing.HashHex("another-key-for-the-dashboard").ToUpperInvariant(), Scopes = ["read"] })));

        Assert.Equal("operator", ring.Find(GoodKey)?.Name);
        Assert.Equal(["read"], ring.Find("another-key-for-the-dashboard")?.Scopes);
        Assert.Null(ring.Find(GoodKey + "x"));
    }

    private static ApiAccessOptions Options(params ApiKeyOptions[] keys) => new() { Keys = keys.ToList() };
}
