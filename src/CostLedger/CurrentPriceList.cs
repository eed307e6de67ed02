using EventShadow.Costs.Pricing;
using Microsoft.Extensions.Options;

namespace EventShadow.CostLedger;

/// <summary>
/// The configured price list, rebuilt when the <c>Pricing</c> section changes.
/// </summary>
public sealed class CurrentPriceList(IOptionsMonitor<PricingOptions> options)
{
    private readonly Lock gate = new();
    private PricingOptions? builtFrom;
    private PriceList? prices;

    public PriceList Get()
    {
        var current = options.CurrentValue;
        lock (gate)
        {
            if (!ReferenceEquals(current, builtFrom) || prices is null)
            {
                prices = PriceList.From(current);
                builtFrom = current;
            }

            return prices;
        }
    }
}
