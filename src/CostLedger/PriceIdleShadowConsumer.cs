using EventShadow.Contracts;
using EventShadow.Costs.Rules;
using EventShadow.Hosting;
using MassTransit;

namespace EventShadow.CostLedger;

/// <summary>
/// Records what a warm shadow's idle time cost, on the shadow's own stream, once per idle period.
/// </summary>
public sealed class PriceIdleShadowConsumer(
    NegotiationEventWriter events,
    CurrentPriceList prices,
    ILogger<PriceIdleShadowConsumer> logger)
    : IConsumer<WarmShadowIdled>
{
    private const string ConsumerName = "cost-ledger-idle";

    public async Task Consume(ConsumeContext<WarmShadowIdled> context)
    {
        var idled = context.Message;
        var recorded = CostRules.PriceIdleShadow(idled, prices.Get());

        if (await events.AppendOnceAsync(ConsumerName, context, CostStreams.ForWarmShadow(idled.Pool, idled.ShadowId), recorded))
        {
            logger.LogInformation(
                "Warm shadow {ShadowId} of pool {Pool} stood paused {Seconds:0} s with {MemoryMiB} MiB: {Cost} {Currency} at price list {PriceList}",
                idled.ShadowId, idled.Pool, recorded.IdleSeconds, idled.MemoryMiB, recorded.Cost, recorded.Currency, recorded.PriceList);
        }
    }
}
