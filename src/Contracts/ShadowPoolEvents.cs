namespace EventShadow.Contracts;

// Events of a warm shadow pool: one event stream per PoolManager pool and workload profile. They stay
// in the event store, where GET /pools and operators read them; no service consumes them from the bus.

/// <summary>
/// The PoolManager changed how many warm shadows a profile's pool keeps ready.
/// </summary>
/// <param name="Pool">Name of the PoolManager's pool, its <c>Shadows:Pool</c> setting.</param>
/// <param name="Rationale">Why the size changed: the forecast, the floor, the ceiling or the budget.</param>
public sealed record ShadowPoolResized(
    string Pool,
    WorkloadProfile Profile,
    int PreviousSize,
    int Size,
    string Rationale,
    DateTimeOffset ResizedAt);

/// <summary>
/// A warm shadow was created, started and paused, and waits for a claim.
/// </summary>
/// <param name="ShadowId">Docker container id.</param>
/// <param name="Image">Local image the shadow runs.</param>
public sealed record ShadowWarmed(
    string Pool,
    WorkloadProfile Profile,
    string ShadowId,
    string ShadowName,
    string Image,
    DateTimeOffset WarmedAt);

/// <summary>
/// An attempt took a shadow: a warm one from the pool, or one created on demand (a cold start).
/// </summary>
/// <param name="ColdStart">True when the shadow was created on demand.</param>
/// <param name="Reason">Why the claim started cold, such as an empty pool; null for a warm claim.</param>
public sealed record ShadowPoolClaimed(
    string Pool,
    WorkloadProfile Profile,
    Guid NegotiationId,
    int Attempt,
    string ShadowId,
    bool ColdStart,
    string? Reason,
    DateTimeOffset ClaimedAt);

/// <summary>
/// A warm shadow left the pool unclaimed: the pool shrank, the shadow broke, or it was left half
/// created by a PoolManager that stopped.
/// </summary>
public sealed record WarmShadowRemoved(
    string Pool,
    WorkloadProfile Profile,
    string ShadowId,
    string Reason,
    DateTimeOffset RemovedAt);

/// <summary>
/// The reaper removed a claimed shadow that nothing would release: its negotiation had ended, its
/// claim was never completed, or it outlived the maximum shadow lifetime.
/// </summary>
/// <param name="NegotiationId">Negotiation the shadow served; null when it could not be told.</param>
public sealed record ShadowReaped(
    string Pool,
    WorkloadProfile Profile,
    string ShadowId,
    Guid? NegotiationId,
    int? Attempt,
    string Reason,
    DateTimeOffset ReapedAt);

/// <summary>
/// Every event type of a warm shadow pool's stream, for registration with the event store.
/// </summary>
public static class ShadowPoolEvents
{
    public static readonly IReadOnlyList<Type> All =
    [
        typeof(ShadowPoolResized),
        typeof(ShadowWarmed),
        typeof(ShadowPoolClaimed),
        typeof(WarmShadowRemoved),
        typeof(ShadowReaped),
    ];
}
