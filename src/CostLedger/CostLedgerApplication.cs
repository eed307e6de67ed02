using EventShadow.Hosting;

namespace EventShadow.CostLedger;

/// <summary>
/// The CostLedger process: prices every shadow when it is released.
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

        builder.Services.AddEventStore();
        builder.Services.AddServiceBus(bus => bus.AddConsumer<PriceShadowConsumer>());

        var app = builder.Build();
        app.MapServiceHealthChecks();
        return app;
    }
}
