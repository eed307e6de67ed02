using EventShadow.Contracts;
using EventShadow.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace EventShadow.CostLedger;

/// <summary>
/// Records what each released shadow cost, once per release.
/// </summary>
public sealed class PriceShadowConsumer(
    NegotiationEventWriter events,
    IOptionsMonitor<PricingOptions> pricing,
    ILogger<PriceShadowConsumer> logger)
    : IConsumer<ShadowReleased>
{
    public const string PoolName = "default";

    private const string ConsumerName = "cost-ledger";

    public async Task Consume(ConsumeContext<ShadowReleased> context)
    {
        var released = context.Message;
        var prices = pricing.CurrentValue;

        // NOTE: shadows do not record their pool yet, so every shadow is priced in the default pool.
        if (!prices.Pools.TryGetValue(PoolName, out var price))
        {
            throw new InvalidOperationException($"Pricing:Pools has no '{PoolName}' pool, so shadow {released.ShadowId} cannot be priced.");
        }

        var (seconds, cost) = ShadowPricing.Price(released, price);
        var recorded = new ShadowCostRecorded(
            released.NegotiationId, released.Attempt, released.ShadowId, seconds, cost, prices.Currency, PoolName, prices.Version);

        if (await events.AppendOnceAsync(ConsumerName, context, released.NegotiationId, recorded))
        {
            logger.LogInformation(
                "Shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} ran {Seconds:0.0} s at {Allocation}: {Cost} {Currency}",
                released.ShadowId, released.NegotiationId, released.Attempt, seconds, released.Allocation, cost, prices.Currency);
        }
    }
}
