using EventShadow.Contracts;

namespace EventShadow.Costs.Ledger;

/// <summary>
/// Cost history held in memory, built from cost events exactly as the cost projections build their
/// documents. A replay records into one; the live history is the same documents in the event store.
/// </summary>
public sealed class CostBook
{
    private readonly Dictionary<string, CostCell> cells = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ArrivalDay> arrivals = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, NegotiationCost>? negotiations;

    /// <param name="keepNegotiations">Whether to keep per-negotiation history, which costs memory per negotiation.</param>
    public CostBook(bool keepNegotiations) => negotiations = keepNegotiations ? [] : null;

    public IReadOnlyCollection<CostCell> Cells => cells.Values;

    public IReadOnlyCollection<ArrivalDay> Arrivals => arrivals.Values;

    public IReadOnlyCollection<NegotiationCost> Negotiations => (IReadOnlyCollection<NegotiationCost>?)negotiations?.Values ?? [];

    /// <summary>Records one event; types that are not cost history are ignored.</summary>
    /// <param name="recordedAt">When the event store recorded the event; used only for costs recorded without segments.</param>
    public void Record(object @event, DateTimeOffset recordedAt)
    {
        switch (@event)
        {
            case PartialTaskSubmitted submitted:
                ArrivalOf(ArrivalDay.KeyFor(submitted)).Add(submitted);
                if (negotiations is not null)
                {
                    negotiations[submitted.NegotiationId] = NegotiationCost.StartFrom(submitted);
                }

                break;
            case ShadowCostRecorded shadow:
                foreach (var key in CostCell.KeysFor(shadow, recordedAt))
                {
                    CellOf(key).Add(shadow, recordedAt);
                }

                NegotiationOf(shadow.NegotiationId)?.Add(shadow, recordedAt);
                break;
            case IdleShadowCostRecorded idle:
                foreach (var key in CostCell.KeysFor(idle))
                {
                    CellOf(key).Add(idle);
                }

                break;
            case CommittedAllocationPriced commitment:
                CellOf(CostCell.KeyFor(commitment)).Add(commitment);
                NegotiationOf(commitment.NegotiationId)?.Add(commitment);
                break;
        }
    }

    private CostCell CellOf(string key)
    {
        if (!cells.TryGetValue(key, out var cell))
        {
            cell = new CostCell { Id = key };
            cells[key] = cell;
        }

        return cell;
    }

    private ArrivalDay ArrivalOf(string key)
    {
        if (!arrivals.TryGetValue(key, out var day))
        {
            day = new ArrivalDay { Id = key };
            arrivals[key] = day;
        }

        return day;
    }

    /// <summary>Returns the negotiation's history, created empty as the projection does when its stream lacks a submission.</summary>
    private NegotiationCost? NegotiationOf(Guid negotiationId)
    {
        if (negotiations is null)
        {
            return null;
        }

        if (!negotiations.TryGetValue(negotiationId, out var negotiation))
        {
            negotiation = new NegotiationCost { Id = negotiationId };
            negotiations[negotiationId] = negotiation;
        }

        return negotiation;
    }
}
