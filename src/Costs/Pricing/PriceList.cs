using System.Collections.Frozen;
using EventShadow.Contracts;

namespace EventShadow.Costs.Pricing;

/// <summary>
/// A validated, versioned price list: which prices are in force at any instant, and how a lifetime
/// splits at price changes and UTC midnights.
/// </summary>
public sealed class PriceList
{
    private PriceList(string currency, IReadOnlyList<PriceListVersion> versions, IReadOnlyDictionary<WorkloadProfile, ResourceAllocation> baseline)
    {
        Currency = currency;
        Versions = versions;
        Baseline = baseline;
    }

    public string Currency { get; }

    /// <summary>Versions ordered by the instant they take effect.</summary>
    public IReadOnlyList<PriceListVersion> Versions { get; }

    /// <summary>What each profile is given without negotiation, when the manifest states nothing.</summary>
    public IReadOnlyDictionary<WorkloadProfile, ResourceAllocation> Baseline { get; }

    /// <summary>
    /// Builds a price list from options.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every error.</exception>
    public static PriceList From(PricingOptions options)
    {
        var errors = options.Check();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        var versions = options.Lists
            .OrderBy(list => list.EffectiveFrom)
            .Select(list => new PriceListVersion(
                list.Version,
                list.EffectiveFrom,
                list.Pools.ToFrozenDictionary(pool => pool.Key, pool => pool.Value, StringComparer.Ordinal)))
            .ToList();
        return new PriceList(options.Currency, versions, options.Baseline.ToFrozenDictionary());
    }

    /// <summary>
    /// Returns the version in force at <paramref name="instant"/>: the latest that took effect at or
    /// before it, or the earliest when the instant comes before every version.
    /// </summary>
    public PriceListVersion VersionAt(DateTimeOffset instant)
    {
        var found = Versions[0];
        for (var index = 1; index < Versions.Count && Versions[index].EffectiveFrom <= instant; index++)
        {
            found = Versions[index];
        }

        return found;
    }

    /// <summary>
    /// Splits <paramref name="start"/> to <paramref name="end"/> wherever a new version takes effect
    /// or a UTC day begins, so that each part has one price and one day. An empty or reversed interval
    /// has no parts.
    /// </summary>
    public IReadOnlyList<PricedSpan> Split(DateTimeOffset start, DateTimeOffset end)
    {
        var spans = new List<PricedSpan>(1);
        var cursor = start.ToUniversalTime();
        var stop = end.ToUniversalTime();

        while (cursor < stop)
        {
            var version = VersionAt(cursor);
            var next = NextDay(cursor);
            if (NextVersionStart(cursor) is { } change && change < next)
            {
                next = change;
            }

            if (next > stop)
            {
                next = stop;
            }

            spans.Add(new PricedSpan(cursor, next, version));
            cursor = next;
        }

        return spans;
    }

    /// <summary>Returns the prices of <paramref name="pool"/> in <paramref name="version"/>.</summary>
    /// <exception cref="PoolNotPricedException">The version has no prices for the pool.</exception>
    public static PoolPrice PriceOf(PriceListVersion version, string pool) =>
        version.Pools.TryGetValue(pool, out var price) ? price : throw new PoolNotPricedException(version.Version, pool);

    private DateTimeOffset? NextVersionStart(DateTimeOffset instant)
    {
        foreach (var version in Versions)
        {
            if (version.EffectiveFrom > instant)
            {
                return version.EffectiveFrom.ToUniversalTime();
            }
        }

        return null;
    }

    private static DateTimeOffset NextDay(DateTimeOffset instant) =>
        new DateTimeOffset(instant.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
}

/// <summary>One version of a price list.</summary>
public sealed record PriceListVersion(string Version, DateTimeOffset EffectiveFrom, IReadOnlyDictionary<string, PoolPrice> Pools);

/// <summary>Part of a lifetime within one UTC day under one price list version.</summary>
public sealed record PricedSpan(DateTimeOffset Start, DateTimeOffset End, PriceListVersion Version)
{
    public TimeSpan Duration => End - Start;

    public DateOnly Day => DateOnly.FromDateTime(Start.UtcDateTime);
}

/// <summary>A price list version has no prices for a pool that a cost needs.</summary>
public sealed class PoolNotPricedException(string version, string pool)
    : Exception($"Price list version '{version}' has no prices for pool '{pool}'; add Pricing:Lists:<n>:Pools:{pool} to that version.")
{
    public string Version { get; } = version;

    public string Pool { get; } = pool;
}
