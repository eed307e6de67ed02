using EventShadow.Contracts;
using EventShadow.Costs.Rules;
using EventShadow.Hosting;
using MassTransit;

namespace EventShadow.CostLedger;

/// <summary>
/// Records what each released shadow cost for its whole life, once per release.
/// </summary>
public sealed class PriceShadowConsumer(
    NegotiationEventWriter events,
    NegotiationFactsReader facts,
    CurrentPriceList prices,
    ILogger<PriceShadowConsumer> logger)
    : IConsumer<ShadowReleased>
{
    private const string ConsumerName = "cost-ledger";

    public async Task Consume(ConsumeContext<ShadowReleased> context)
    {
        var released = context.Message;
        if (await events.WasProcessedAsync(ConsumerName, context))
        {
            return;
        }

        var negotiation = await facts.ReadBeforeAsync(
            released.NegotiationId,
            @event => @event is ShadowReleased other && other.ShadowId == released.ShadowId && other.Attempt == released.Attempt,
            context.CancellationToken);
        var recorded = CostRules.PriceShadowRun(released, negotiation, prices.Get());

        if (await events.AppendOnceAsync(ConsumerName, context, released.NegotiationId, recorded))
        {
            logger.LogInformation(
                "Shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} ran {Seconds:0.0} s at {Allocation} in pool {Pool}: {Cost} {Currency} at price list {PriceList}",
                released.ShadowId, released.NegotiationId, released.Attempt, recorded.ShadowSeconds, released.Allocation,
                recorded.Pool, recorded.Cost, recorded.Currency, recorded.PriceList);
        }
    }
}
