using System.Globalization;

namespace EventShadow.PoolManager;

/// <summary>
/// Docker labels and names of shadow containers. Any PoolManager, and any operator with
/// <c>docker ps --filter label=…</c>, finds shadows and their negotiation through these.
/// </summary>
public static class ShadowLabels
{
    public const string Shadow = "eventshadow.shadow";
    public const string NegotiationId = "eventshadow.negotiation-id";
    public const string Attempt = "eventshadow.attempt";
    public const string Profile = "eventshadow.profile";
    public const string Pool = "eventshadow.pool";
    public const string Owner = "eventshadow.owner";
    public const string ClaimedAt = "eventshadow.claimed-at";

    /// <summary>
    /// Returns the container name of the shadow for one attempt. The name is unique per attempt, so a
    /// redelivered proposal finds the shadow made the first time instead of creating another.
    /// </summary>
    public static string ContainerName(Guid negotiationId, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"eventshadow-{negotiationId:N}-{attempt}");

    /// <summary>
    /// Returns the label filter that selects the shadows of <paramref name="negotiationId"/>.
    /// </summary>
    public static string NegotiationFilter(Guid negotiationId) => $"{NegotiationId}={negotiationId:D}";
}
