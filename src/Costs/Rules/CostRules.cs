using System.Globalization;
using EventShadow.Contracts;
using EventShadow.Costs.Pricing;

namespace EventShadow.Costs.Rules;

/// <summary>
/// Turns recorded facts into priced cost events. The CostLedger records what these return, and a
/// replay computes the same with another price list, so both go through these methods only.
/// </summary>
public static class CostRules
{
    public const string DefaultPool = "default";

    /// <summary>
    /// Prices a shadow for its whole life, from claim to release, even when it outlived its
    /// negotiation, at the CPU, memory and GPUs of its attempt in the attempt's pool.
    /// A release recorded before its claim (clock skew between hosts) costs nothing.
    /// </summary>
    /// <exception cref="PoolNotPricedException">A version in force during the lifetime has no prices for the pool.</exception>
    public static ShadowCostRecorded PriceShadowRun(ShadowReleased released, NegotiationFacts facts, PriceList prices)
    {
        var attempt = facts.FindAttempt(released.Attempt);
        var pool = attempt?.Pool ?? DefaultPool;
        var rate = HourlyRate.Of(released.Allocation, attempt?.Gpus ?? 0);
        var segments = PriceSegments(released.ClaimedAt, released.ReleasedAt, pool, rate, prices);

        var seconds = Math.Max(0, (released.ReleasedAt - released.ClaimedAt).TotalSeconds);
        return new ShadowCostRecorded(
            released.NegotiationId,
            released.Attempt,
            released.ShadowId,
            seconds,
            segments.Sum(segment => segment.Cost),
            prices.Currency,
            pool,
            VersionNames(segments),
            facts.Profile,
            segments,
            attempt?.ColdStart,
            attempt?.TimeToReadySeconds);
    }

    /// <summary>
    /// Prices a warm shadow's idle time: its memory for the seconds it stood paused. A paused
    /// container gets no CPU time, so CPU is not charged.
    /// </summary>
    /// <exception cref="PoolNotPricedException">A version in force during the idle time has no prices for the pool.</exception>
    public static IdleShadowCostRecorded PriceIdleShadow(WarmShadowIdled idled, PriceList prices)
    {
        var segments = PriceSegments(idled.PausedAt, idled.ResumedAt, idled.Pool, HourlyRate.MemoryOnly(idled.MemoryMiB), prices);
        var seconds = Math.Max(0, (idled.ResumedAt - idled.PausedAt).TotalSeconds);
        return new IdleShadowCostRecorded(
            idled.Pool,
            idled.Profile,
            idled.ShadowId,
            idled.MemoryMiB,
            seconds,
            segments.Sum(segment => segment.Cost),
            prices.Currency,
            VersionNames(segments),
            segments);
    }

    /// <summary>
    /// Prices a committed allocation per hour at the version in force when it was committed, and what
    /// it saves or costs extra against the request (see <see cref="SavingsRules"/>).
    /// </summary>
    /// <exception cref="PoolNotPricedException">The version has no prices for the allocation's pool.</exception>
    public static CommittedAllocationPriced PriceCommitment(AllocationCommitted committed, NegotiationFacts facts, PriceList prices)
    {
        var version = prices.VersionAt(committed.CommittedAt);
        var price = PriceList.PriceOf(version, committed.Pool);
        var costPerHour = HourlyRate.Round(HourlyRate.Of(committed.Allocation, committed.Gpus).PerHour(price));
        var savings = SavingsRules.Compute(committed, facts, prices, version, price);

        return new CommittedAllocationPriced(
            committed.NegotiationId,
            committed.Attempt,
            committed.Pool,
            facts.Profile,
            committed.Allocation,
            committed.Gpus,
            committed.CommittedAt,
            version.Version,
            prices.Currency,
            costPerHour,
            savings);
    }

    private static List<CostSegment> PriceSegments(DateTimeOffset start, DateTimeOffset end, string pool, HourlyRate rate, PriceList prices)
    {
        var spans = prices.Split(start, end);
        if (spans.Count == 0)
        {
            // An empty lifetime still names its day and version, so that it is counted somewhere.
            return [new CostSegment(start, start, prices.VersionAt(start).Version, 0m)];
        }

        var segments = new List<CostSegment>(spans.Count);
        foreach (var span in spans)
        {
            var price = PriceList.PriceOf(span.Version, pool);
            segments.Add(new CostSegment(span.Start, span.End, span.Version.Version, rate.For(span.Duration, price)));
        }

        return segments;
    }

    /// <summary>Lists the versions the segments used, in order, separated by commas.</summary>
    private static string VersionNames(IReadOnlyList<CostSegment> segments) =>
        string.Join(",", segments.Select(segment => segment.PriceVersion).Distinct(StringComparer.Ordinal));

    internal static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    internal static string Format(decimal value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
