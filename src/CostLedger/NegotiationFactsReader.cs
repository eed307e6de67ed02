using EventShadow.Costs.Rules;
using Marten;

namespace EventShadow.CostLedger;

/// <summary>
/// Reads what the cost rules need to know about a negotiation from its stream.
/// </summary>
public sealed class NegotiationFactsReader(IDocumentStore store)
{
    /// <summary>
    /// Builds the facts from the stream's events before the first one that <paramref name="stopAt"/>
    /// matches, the event being priced, so that events appended after it change nothing, exactly as
    /// in a replay. Without a match every event counts.
    /// </summary>
    public async Task<NegotiationFacts> ReadBeforeAsync(Guid negotiationId, Func<object, bool> stopAt, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(negotiationId, token: cancellationToken);
        return NegotiationFacts.From(negotiationId, events.Select(@event => @event.Data), stopAt);
    }
}
