using EventShadow.Costs.Pricing;
using EventShadow.Hosting;

namespace EventShadow.CostLedger;

/// <summary>
/// The CostLedger process: prices every released shadow, committed allocation and idle warm shadow.
/// </summary>
public static class CostLedgerApplication
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults("CostLedger");

        builder.Services.AddOptions<PricingOptions>()
            .BindConfiguration(PricingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<CurrentPriceList>();
        builder.Services.AddSingleton<NegotiationFactsReader>();

        builder.Services.AddEventStore();
        builder.Services.AddServiceBus(bus =>
        {
            bus.AddConsumer<PriceShadowConsumer>();
            bus.AddConsumer<PriceCommitmentConsumer>();
            bus.AddConsumer<PriceIdleShadowConsumer>();
        });

        var app = builder.Build();
        app.MapServiceHealthChecks();
        app.MapErrorQueueEndpoints();
        return app;
    }
}
