namespace EventShadow.Contracts;

// Events of the cost ledger. The CostLedger derives each one from the facts that other services
// recorded (a shadow's lifetime, a commitment, a warm shadow's idle time) and the price list in force
// then, so that cost history can be rebuilt from the event store with another price list.

/// <summary>
/// Part of a priced lifetime that falls within one UTC day and under one price list version.
/// </summary>
/// <param name="Start">Inclusive start of the part.</param>
/// <param name="End">Exclusive end of the part.</param>
/// <param name="PriceVersion">Version of the price list in force during the part.</param>
/// <param name="Cost">Price of the part, rounded to a millionth of the currency unit.</param>
public sealed record CostSegment(DateTimeOffset Start, DateTimeOffset End, string PriceVersion, decimal Cost);

/// <summary>
/// What a committed allocation saves, or costs extra, against what the task asked for, per hour it runs.
/// Every amount is zero or more: CPU or memory granted beyond the request shows as extra, never as a
/// negative saving.
/// </summary>
/// <param name="Requested">What the task would have been given without negotiation.</param>
/// <param name="RequestedFrom">
/// Where <paramref name="Requested"/> came from for CPU and memory: <c>requests</c>, <c>limits</c> or
/// <c>profile default</c>, for example <c>cpu: requests, memory: profile default</c>.
/// </param>
/// <param name="SavedCores">vCPU-hours saved per hour: requested cores minus committed cores, when positive.</param>
/// <param name="SavedGib">GiB-hours saved per hour: requested GiB minus committed GiB, when positive.</param>
/// <param name="ExtraCores">vCPU-hours per hour committed beyond the request.</param>
/// <param name="ExtraGib">GiB-hours per hour committed beyond the request.</param>
/// <param name="SavedPerHour">Money saved per hour at the pool's price when the allocation was committed.</param>
/// <param name="ExtraPerHour">Money per hour that the allocation costs beyond the request.</param>
/// <param name="Explanation">Why the numbers are what they are, in words an operator can check.</param>
public sealed record AllocationSavings(
    ResourceAllocation Requested,
    string RequestedFrom,
    double SavedCores,
    double SavedGib,
    double ExtraCores,
    double ExtraGib,
    decimal SavedPerHour,
    decimal ExtraPerHour,
    string Explanation);

/// <summary>
/// The CostLedger priced a committed allocation as a rate: what it costs per hour it runs, and what
/// it saves against the task's request.
/// </summary>
/// <param name="PriceVersion">Version of the price list in force at <paramref name="CommittedAt"/>.</param>
/// <param name="CostPerHour">Price of the allocation per hour in <paramref name="Pool"/>.</param>
public sealed record CommittedAllocationPriced(
    Guid NegotiationId,
    int Attempt,
    string Pool,
    WorkloadProfile Profile,
    ResourceAllocation Allocation,
    int Gpus,
    DateTimeOffset CommittedAt,
    string PriceVersion,
    string Currency,
    decimal CostPerHour,
    AllocationSavings Savings);

/// <summary>
/// A warm shadow stood paused in its pool from <paramref name="PausedAt"/> until it was claimed or
/// removed at <paramref name="ResumedAt"/>. A paused shadow uses no CPU, so it costs its memory only.
/// </summary>
/// <remarks>
/// The PoolManager appends it to the stream that <see cref="CostStreams.ForWarmShadow"/> names when a
/// paused shadow leaves its pool.
/// </remarks>
public sealed record WarmShadowIdled(
    string Pool,
    WorkloadProfile Profile,
    string ShadowId,
    int MemoryMiB,
    DateTimeOffset PausedAt,
    DateTimeOffset ResumedAt);

/// <summary>
/// The CostLedger priced a warm shadow's idle time: its memory for the seconds it stood paused.
/// </summary>
/// <param name="PriceList">Every price list version used, in order, separated by commas.</param>
public sealed record IdleShadowCostRecorded(
    string Pool,
    WorkloadProfile Profile,
    string ShadowId,
    int MemoryMiB,
    double IdleSeconds,
    decimal Cost,
    string Currency,
    string PriceList,
    IReadOnlyList<CostSegment> Segments);

/// <summary>
/// Stream ids for cost facts that belong to no negotiation.
/// </summary>
public static class CostStreams
{
    /// <summary>
    /// Returns the stream id of a warm shadow's idle periods: a name-based UUID (RFC 9562 version 8)
    /// from the pool and the shadow's container id, so that every service derives the same id.
    /// </summary>
    public static Guid ForWarmShadow(string pool, string shadowId)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"warm-shadow\n{pool}\n{shadowId}"));
        var bytes = hash.AsSpan(0, 16).ToArray();

        // Version 8 in the high nibble of byte 6 and the RFC 9562 variant in byte 8, in big-endian order.
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
