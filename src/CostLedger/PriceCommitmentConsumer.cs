using EventShadow.Contracts;
using EventShadow.Costs.Rules;
using EventShadow.Hosting;
using MassTransit;

namespace EventShadow.CostLedger;

/// <summary>
/// Records what a committed allocation costs per hour and what it saves against the task's request.
/// </summary>
public sealed class PriceCommitmentConsumer(
    NegotiationEventWriter events,
    NegotiationFactsReader facts,
    CurrentPriceList prices,
    ILogger<PriceCommitmentConsumer> logger)
    : IConsumer<AllocationCommitted>
{
    private const string ConsumerName = "cost-ledger-commitment";

    public async Task Consume(ConsumeContext<AllocationCommitted> context)
    {
        var committed = context.Message;
        if (await events.WasProcessedAsync(ConsumerName, context))
        {
            return;
        }

        var negotiation = await facts.ReadBeforeAsync(committed.NegotiationId, @event => @event is AllocationCommitted, context.CancellationToken);
        var priced = CostRules.PriceCommitment(committed, negotiation, prices.Get());

        if (await events.AppendOnceAsync(ConsumerName, context, committed.NegotiationId, priced))
        {
            logger.LogInformation(
                "Negotiation {NegotiationId} committed {Allocation} in pool {Pool}: {CostPerHour} {Currency} per hour, saves {SavedPerHour} and costs {ExtraPerHour} extra per hour at price list {PriceList}",
                committed.NegotiationId, committed.Allocation, committed.Pool, priced.CostPerHour, priced.Currency,
                priced.Savings.SavedPerHour, priced.Savings.ExtraPerHour, priced.PriceVersion);
        }
    }
}
