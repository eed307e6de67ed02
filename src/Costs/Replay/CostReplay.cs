using System.Diagnostics;
using EventShadow.Contracts;
using EventShadow.Costs.Ledger;
using EventShadow.Costs.Pricing;
using EventShadow.Costs.Reports;
using EventShadow.Costs.Rules;
using Marten;

namespace EventShadow.Costs.Replay;

/// <summary>
/// Rebuilds cost history from the whole event stream with a given price list, in memory: the live
/// projections, the cost events and the event store stay as they are.
/// </summary>
/// <remarks>
/// It reads the facts (submissions, proposals, claims, validations, commitments, releases and idle
/// periods) in sequence order, prices them with <see cref="CostRules"/> exactly as the CostLedger
/// does, and sums the result with <see cref="CostBook"/> exactly as the projections do. With the
/// CostLedger's price list it therefore reproduces the live history.
/// NOTE: it keeps the facts of every negotiation in memory for the whole replay, a few hundred bytes
/// each, because a shadow may be released long after its negotiation ended.
/// </remarks>
public sealed class CostReplay(IDocumentStore store)
{
    public const int DefaultPageSize = 10_000;

    /// <summary>Events read per query.</summary>
    public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>Least time between two progress reports; the last report always follows the last page.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Replays every event up to the highest sequence at the start and returns the report that
    /// <paramref name="query"/> asks for.
    /// </summary>
    /// <exception cref="PoolNotPricedException">The price list lacks a pool that the history used.</exception>
    public async Task<CostReport> RunAsync(
        PriceList prices, CostQuery query, Func<ReplayProgress, Task> reportProgress, CancellationToken cancellationToken)
    {
        var reader = new EventPageReader(store, EventPageReader.CostFacts);
        var pricing = new ReplayPricing(prices, new CostBook(keepNegotiations: query.GroupBy == CostGrouping.Negotiation));
        var clock = Stopwatch.StartNew();

        var lastSequence = await reader.ReadLastSequenceAsync(cancellationToken);
        long events = 0;
        long sequence = 0;
        var lastReport = TimeSpan.Zero;

        await using (var connection = await reader.OpenAsync(cancellationToken))
        {
            while (sequence < lastSequence)
            {
                var (count, reached) = await reader.ReadPageAsync(connection, sequence, lastSequence, PageSize, pricing.Apply, cancellationToken);
                events += count;
                sequence = reached;

                if (clock.Elapsed - lastReport >= ProgressInterval && sequence < lastSequence)
                {
                    lastReport = clock.Elapsed;
                    await reportProgress(Progress(events, sequence, lastSequence, clock.Elapsed));
                }
            }
        }

        var elapsed = clock.Elapsed;
        await reportProgress(Progress(events, lastSequence, lastSequence, elapsed));

        var statistics = new ReplayStatistics(
            events, lastSequence, elapsed.TotalSeconds, Rate(events, elapsed), prices.Versions.Select(version => version.Version).ToList());
        return CostReportBuilder.Build(query, pricing.Book.Cells, pricing.Book.Arrivals, pricing.Book.Negotiations, "replay", statistics);
    }

    private static ReplayProgress Progress(long events, long sequence, long lastSequence, TimeSpan elapsed) =>
        new(events, sequence, lastSequence, elapsed.TotalSeconds, Rate(events, elapsed));

    private static double Rate(long events, TimeSpan elapsed) => elapsed > TimeSpan.Zero ? events / elapsed.TotalSeconds : 0;
}

/// <summary>
/// The pricing half of a replay: keeps each negotiation's facts and records what they cost into a book.
/// </summary>
public sealed class ReplayPricing(PriceList prices, CostBook book)
{
    private readonly Dictionary<Guid, NegotiationFacts> facts = [];

    public CostBook Book => book;

    /// <summary>Applies one event read at <paramref name="sequence"/> that the store recorded at <paramref name="recordedAt"/>.</summary>
    public void Apply(long sequence, object @event, DateTimeOffset recordedAt)
    {
        switch (@event)
        {
            case PartialTaskSubmitted submitted:
                FactsOf(submitted.NegotiationId).Apply(submitted);
                book.Record(submitted, recordedAt);
                break;
            case AllocationCommitted committed:
                book.Record(CostRules.PriceCommitment(committed, FactsOf(committed.NegotiationId), prices), recordedAt);
                break;
            case ShadowReleased released:
                book.Record(CostRules.PriceShadowRun(released, FactsOf(released.NegotiationId), prices), recordedAt);
                break;
            case WarmShadowIdled idled:
                book.Record(CostRules.PriceIdleShadow(idled, prices), recordedAt);
                break;
            case RequirementsAnalyzed analyzed:
                FactsOf(analyzed.NegotiationId).Apply(analyzed);
                break;
            case AllocationProposed proposed:
                FactsOf(proposed.NegotiationId).Apply(proposed);
                break;
            case ShadowClaimed claimed:
                FactsOf(claimed.NegotiationId).Apply(claimed);
                break;
            case ValidationPassed passed:
                FactsOf(passed.NegotiationId).Apply(passed);
                break;
            case ValidationFailed failed:
                FactsOf(failed.NegotiationId).Apply(failed);
                break;
        }
    }

    private NegotiationFacts FactsOf(Guid negotiationId)
    {
        if (!facts.TryGetValue(negotiationId, out var found))
        {
            found = new NegotiationFacts(negotiationId);
            facts[negotiationId] = found;
        }

        return found;
    }
}
