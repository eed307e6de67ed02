using EventShadow.Costs.Pricing;
using EventShadow.Hosting;
using EventShadow.Hosting.Access;

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

        builder.AddApiAccess();

        var app = builder.Build();
        app.UseApiAccess();
        app.MapServiceHealthChecks();
        app.MapErrorQueueEndpoints();
        return app;
    }
}
