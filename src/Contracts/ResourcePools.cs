namespace EventShadow.Contracts;

// Events of a resource pool's capacity stream. They stay in the event store: the Negotiator appends
// them under an exclusive lock on the pool's stream, which keeps leased plus committed capacity
// within the pool's size however many negotiations reserve at once.

/// <summary>
/// Capacity reserved for a negotiation's attempt until <paramref name="ExpiresAt"/>, unless committed
/// first. A later attempt's lease replaces the earlier one of the same negotiation.
/// </summary>
public sealed record CapacityLeased(
    string Pool,
    Guid NegotiationId,
    int Attempt,
    ResourceAllocation Allocation,
    int Gpus,
    DateTimeOffset ExpiresAt);

/// <summary>
/// The negotiation committed: its lease holds until the allocation is released.
/// </summary>
/// <param name="Allocation">The committed allocation when it is smaller than the leased one; null keeps the lease's.</param>
public sealed record LeaseCommitted(string Pool, Guid NegotiationId, int Attempt, ResourceAllocation? Allocation = null);

/// <summary>
/// The negotiation's capacity returned to the pool: it failed, or its committed allocation was released.
/// </summary>
public sealed record LeaseReleased(string Pool, Guid NegotiationId, string Reason);

/// <summary>
/// A committed allocation was released, for example because its task finished, and its capacity
/// returned to the pool. Appended to the negotiation's stream.
/// </summary>
public sealed record AllocationReleased(Guid NegotiationId, string Pool, string Reason, DateTimeOffset ReleasedAt);

/// <summary>
/// An allocation the Negotiator could have proposed instead, for a scheduler or an operator to choose.
/// </summary>
/// <param name="Label">What sets it apart, for example <c>tighter</c>, <c>roomier</c> or <c>pool gpu</c>.</param>
/// <param name="HourlyCost">Its price per hour in the pool's currency, when the pool has prices.</param>
public sealed record AllocationAlternative(
    string Label,
    string Pool,
    ResourceAllocation Allocation,
    string Rationale,
    decimal? HourlyCost);

/// <summary>
/// Every event type of a resource pool's capacity stream.
/// </summary>
public static class ResourcePoolEvents
{
    public static readonly IReadOnlyList<Type> All =
    [
        typeof(CapacityLeased),
        typeof(LeaseCommitted),
        typeof(LeaseReleased),
    ];
}
