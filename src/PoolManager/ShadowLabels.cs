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
    /// Origin of the shadow: <c>warm</c> when created ahead of demand, <c>cold</c> when created for its
    /// attempt. Docker cannot change a container's labels, so this label does not record whether a shadow
    /// is claimed. The name records it: an unclaimed warm shadow has a <see cref="WarmContainerName"/>,
    /// and a claim renames it to the attempt's <see cref="ContainerName"/>, the name a cold shadow gets
    /// (see <see cref="IsWarmName"/>).
    /// </summary>
    public const string Origin = "eventshadow.origin";

    /// <summary>What a warm shadow can serve: its image, read-only root and capabilities (see <see cref="ShapeOf"/>).</summary>
    public const string Shape = "eventshadow.shape";

    public const string WarmOrigin = "warm";
    public const string ColdOrigin = "cold";

    /// <summary>
    /// Label that earlier versions wrote in place of <see cref="Origin"/>, with the values <c>warm</c> and
    /// <c>claimed</c>. It kept <c>warm</c> after a claim, so it is read only to tell the origin of
    /// such shadows.
    /// </summary>
    public const string LegacyState = "eventshadow.state";

    private const string NamePrefix = "eventshadow-";
    private const string WarmNamePrefix = "eventshadow-warm-";

    /// <summary>
    /// Returns the container name of the shadow for one attempt. The name is unique per attempt, so a
    /// redelivered proposal finds the shadow made the first time instead of creating another.
    /// </summary>
    public static string ContainerName(Guid negotiationId, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"eventshadow-{negotiationId:N}-{attempt}");

    /// <summary>
    /// Returns a fresh name for a warm shadow of <paramref name="profile"/>. A claim renames it to
    /// <see cref="ContainerName"/> of its attempt.
    /// </summary>
    public static string WarmContainerName(string profile) => $"{WarmNamePrefix}{profile.ToLowerInvariant()}-{Guid.NewGuid():N}";

    /// <summary>Returns whether <paramref name="name"/> (with or without Docker's leading slash) is an unclaimed warm shadow's.</summary>
    public static bool IsWarmName(string name) => name.TrimStart('/').StartsWith(WarmNamePrefix, StringComparison.Ordinal);

    /// <summary>
    /// Returns whether the labels mark a shadow created warm, claimed or not: <see cref="Origin"/> is
    /// <c>warm</c>, or, on a shadow of an earlier version without it, <see cref="LegacyState"/> is.
    /// </summary>
    public static bool IsWarmBorn(IDictionary<string, string>? labels)
    {
        if (labels is null)
        {
            return false;
        }

        if (labels.TryGetValue(Origin, out var origin))
        {
            return origin == WarmOrigin;
        }

        return labels.TryGetValue(LegacyState, out var state) && state == WarmOrigin;
    }

    /// <summary>
    /// Reads the negotiation and attempt from a name made by <see cref="ContainerName"/>; null for any other name.
    /// </summary>
    public static (Guid NegotiationId, int Attempt)? ParseContainerName(string name)
    {
        var trimmed = name.TrimStart('/');
        if (!trimmed.StartsWith(NamePrefix, StringComparison.Ordinal) || IsWarmName(trimmed))
        {
            return null;
        }

        var rest = trimmed[NamePrefix.Length..];
        var dash = rest.IndexOf('-', StringComparison.Ordinal);
        if (dash != 32 ||
            !Guid.TryParseExact(rest[..dash], "N", out var negotiationId) ||
            !int.TryParse(rest[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt))
        {
            return null;
        }

        return (negotiationId, attempt);
    }

    /// <summary>
    /// Returns what decides whether a warm shadow can run a workload: the settings fixed when a
    /// container is created, and the user its waiting launcher runs as. A workload claims only warm
    /// shadows of its own shape, so that it never runs with capabilities, a writable root or a user that
    /// its mapping does not give it.
    /// </summary>
    public static string ShapeOf(string image, bool readOnlyRootFilesystem, IEnumerable<string> capabilities, string? user) =>
        string.Join(
            ';',
            image.Trim().ToLowerInvariant(),
            readOnlyRootFilesystem ? "read-only" : "writable",
            "caps=" + string.Join(',', capabilities.Select(capability => capability.ToUpperInvariant()).Order(StringComparer.Ordinal)),
            "user=" + (user ?? ""));

    /// <summary>
    /// Returns the label filter that selects the shadows of <paramref name="negotiationId"/>.
    /// </summary>
    public static string NegotiationFilter(Guid negotiationId) => $"{NegotiationId}={negotiationId:D}";
}
