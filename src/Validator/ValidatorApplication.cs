using EventShadow.Hosting;
using EventShadow.Hosting.Access;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventShadow.Validator;

/// <summary>
/// The Validator service: consumes <c>ShadowConfigured</c> and <c>ValidateShadow</c>, validates the
/// shadow with its suite and appends the verdict.
/// </summary>
public static class ValidatorApplication
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        builder.AddServiceDefaults("Validator");
        builder.Services.AddEventStore();
        builder.Services.AddDockerEngine();

        builder.Services.AddValidationOptions();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ShadowValidation>();
        builder.Services.AddSingleton<ValidationScheduler>();
        builder.Services.AddSingleton<ShadowHostFilter>();

        builder.Services.AddServiceBus(bus =>
        {
            bus.AddConsumer<ValidateShadowConsumer, ValidateShadowConsumerDefinition>();
            bus.AddConsumer<OnDemandValidationConsumer, OnDemandValidationConsumerDefinition>();
        });

        builder.AddApiAccess();

        var app = builder.Build();
        app.UseApiAccess();
        app.MapServiceHealthChecks();
        app.MapErrorQueueEndpoints();
        return app;
    }
}
