using EventShadow.PoolManager;

namespace EventShadow.UnitTests.PoolManager;

public sealed class NegotiationHistoryTests
{
    private static NegotiationHistory WithClaims(params (int Attempt, string? Owner)[] claims) =>
        new(
            HasEnded: true,
            ReleasedShadowIds: new HashSet<string>(StringComparer.Ordinal),
            Version: 5,
            ClaimedAt: new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal),
            ConfiguredAttempts: new HashSet<int>(),
            UnavailableAttempts: new HashSet<int>(),
            ClaimOwners: claims.ToDictionary(claim => claim.Attempt, claim => claim.Owner));

    [Fact]
    public void Claim_of_another_owner_rules_out_this_one()
    {
        Assert.False(WithClaims((1, "host-b")).MayHaveShadowOf("host-a"));
    }

    [Fact]
    public void Claim_of_this_owner_on_any_attempt_counts()
    {
        var history = WithClaims((1, "host-b"), (2, "host-a"));

        Assert.True(history.MayHaveShadowOf("host-a"));
        Assert.True(history.MayHaveShadowOf("host-a", attempt: 2));
        Assert.False(history.MayHaveShadowOf("host-a", attempt: 1));
    }

    [Fact]
    public void Claim_without_owner_may_belong_to_anyone()
    {
        Assert.True(WithClaims((1, null)).MayHaveShadowOf("host-a"));
    }

    [Fact]
    public void Negotiation_without_claims_has_no_shadow()
    {
        Assert.False(WithClaims().MayHaveShadowOf("host-a"));
    }
}
