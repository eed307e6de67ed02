using EventShadow.Contracts;
using EventShadow.Costs.Ledger;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using Marten.Events.Projections;

namespace EventShadow.Costs.Projections;

/// <summary>
/// Builds <see cref="CostCell"/> documents, one per UTC day, pool and profile, from cost events.
/// </summary>
/// <remarks>
/// One shadow's cost can span several days, so each cell takes only the segments of its own day.
/// A cell learns its day from its id, which only <see cref="Evolve"/> receives: conventional Apply
/// methods get a new document before Marten sets its id.
/// </remarks>
public sealed partial class CostCellProjection : MultiStreamProjection<CostCell, string>
{
    public CostCellProjection()
    {
        Identities<IEvent<ShadowCostRecorded>>(recorded => CostCell.KeysFor(recorded.Data, recorded.Timestamp));
        Identities<IdleShadowCostRecorded>(CostCell.KeysFor);
        Identity<CommittedAllocationPriced>(CostCell.KeyFor);
    }

    public override CostCell? Evolve(CostCell? snapshot, string id, IEvent e)
    {
        var cell = snapshot ?? new CostCell();
        cell.Id = id;
        switch (e.Data)
        {
            case ShadowCostRecorded recorded:
                cell.Add(recorded, e.Timestamp);
                break;
            case IdleShadowCostRecorded idle:
                cell.Add(idle);
                break;
            case CommittedAllocationPriced priced:
                cell.Add(priced);
                break;
        }

        return cell;
    }
}

/// <summary>
/// Builds <see cref="ArrivalDay"/> documents: tasks submitted per UTC day.
/// </summary>
public sealed partial class ArrivalDayProjection : MultiStreamProjection<ArrivalDay, string>
{
    public ArrivalDayProjection()
    {
        Identity<PartialTaskSubmitted>(ArrivalDay.KeyFor);
    }

    public static void Apply(PartialTaskSubmitted submitted, ArrivalDay day) => day.Add(submitted);
}

/// <summary>
/// Builds <see cref="NegotiationCost"/> from a negotiation's stream.
/// </summary>
public sealed partial class NegotiationCostProjection : SingleStreamProjection<NegotiationCost, Guid>
{
    public static NegotiationCost Create(PartialTaskSubmitted submitted) => NegotiationCost.StartFrom(submitted);

    public static void Apply(IEvent<ShadowCostRecorded> recorded, NegotiationCost cost) => cost.Add(recorded.Data, recorded.Timestamp);

    public static void Apply(CommittedAllocationPriced priced, NegotiationCost cost) => cost.Add(priced);
}

/// <summary>
/// Registration of the cost projections with the event store.
/// </summary>
public static class CostProjectionSetup
{
    /// <summary>
    /// Adds the cost projections, run by the async daemon of the process that registers them.
    /// </summary>
    public static StoreOptions AddCostProjections(this StoreOptions store)
    {
        store.Projections.Add<CostCellProjection>(ProjectionLifecycle.Async);
        store.Projections.Add<ArrivalDayProjection>(ProjectionLifecycle.Async);
        store.Projections.Add<NegotiationCostProjection>(ProjectionLifecycle.Async);

        store.Schema.For<CostCell>().Index(cell => cell.DayNumber);
        store.Schema.For<ArrivalDay>().Index(day => day.DayNumber);
        store.Schema.For<NegotiationCost>().Index(cost => cost.LastDayNumber);
        return store;
    }
}
