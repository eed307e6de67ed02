using EventShadow.Contracts;
using Marten;

namespace EventShadow.PoolManager;

/// <summary>
/// What a negotiation's stream already records about its end and its released shadows.
/// </summary>
/// <param name="HasEnded">The stream contains <see cref="AllocationCommitted"/> or <see cref="NegotiationFailed"/>.</param>
/// <param name="ReleasedShadowIds">Container ids that a <see cref="ShadowReleased"/> event already records.</param>
/// <param name="Version">Version of the stream when it was read (0 when it has no events), for appending only if nothing changed since.</param>
/// <param name="ClaimedAt">Claim time of each shadow that a <see cref="ShadowClaimed"/> records, by container id.</param>
/// <param name="ConfiguredAttempts">Attempts whose shadow a <see cref="ShadowConfigured"/> records.</param>
/// <param name="UnavailableAttempts">Attempts that a <see cref="ShadowUnavailable"/> records.</param>
/// <param name="ClaimOwners">
/// Owner of each attempt's shadow that a <see cref="ShadowClaimed"/> records, by attempt; null for a claim
/// recorded before owners were kept.
/// </param>
public sealed record NegotiationHistory(
    bool HasEnded,
    IReadOnlySet<string> ReleasedShadowIds,
    long Version,
    IReadOnlyDictionary<string, DateTimeOffset> ClaimedAt,
    IReadOnlySet<int> ConfiguredAttempts,
    IReadOnlySet<int> UnavailableAttempts,
    IReadOnlyDictionary<int, string?> ClaimOwners)
{
    /// <summary>
    /// Returns whether a recorded claim leaves open that PoolManager <paramref name="instanceName"/> owns
    /// a shadow of the negotiation, or of <paramref name="attempt"/> alone when it is given. A claim
    /// recorded without owner may belong to any PoolManager.
    /// </summary>
    public bool MayHaveShadowOf(string instanceName, int? attempt = null) =>
        ClaimOwners
            .Where(claim => attempt is null || claim.Key == attempt)
            .Any(claim => claim.Value is null || string.Equals(claim.Value, instanceName, StringComparison.Ordinal));

    /// <summary>
    /// Reads the stream of <paramref name="negotiationId"/>; a stream that does not exist yet has not ended.
    /// </summary>
    public static async Task<NegotiationHistory> ReadAsync(IDocumentStore store, Guid negotiationId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(negotiationId, token: cancellationToken);

        var hasEnded = events.Any(@event => @event.Data is AllocationCommitted or NegotiationFailed);
        var released = events
            .Select(@event => @event.Data)
            .OfType<ShadowReleased>()
            .Select(release => release.ShadowId)
            .ToHashSet(StringComparer.Ordinal);

        var data = events.Select(@event => @event.Data).ToList();
        var claimedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var claimOwners = new Dictionary<int, string?>();
        foreach (var claim in data.OfType<ShadowClaimed>())
        {
            claimedAt[claim.ShadowId] = claim.ClaimedAt;
            claimOwners[claim.Attempt] = claim.Owner;
        }

        var version = events.Count > 0 ? events[^1].Version : 0;
        return new NegotiationHistory(
            hasEnded,
            released,
            version,
            claimedAt,
            data.OfType<ShadowConfigured>().Select(configured => configured.Attempt).ToHashSet(),
            data.OfType<ShadowUnavailable>().Select(unavailable => unavailable.Attempt).ToHashSet(),
            claimOwners);
    }
}
