using System.Text.Json.Serialization;
using EventShadow.Contracts;
using EventShadow.Costs.Projections;
using EventShadow.Hosting;
using EventShadow.Hosting.Access;
using EventShadow.Negotiator.Allocation;
using EventShadow.Negotiator.Api;
using EventShadow.Negotiator.History;
using EventShadow.Negotiator.Pools;
using EventShadow.Negotiator.Saga;
using EventShadow.Negotiator.Submission;
using EventShadow.Negotiator.Validation;
using EventShadow.Negotiator.Views;
using JasperFx.Events.Projections;
using MassTransit;
using Scalar.AspNetCore;

namespace EventShadow.Negotiator;

/// <summary>
/// The Negotiator process: HTTP API, the negotiation saga, and the event store's async daemon,
/// which builds the read models and relays committed events to RabbitMQ.
/// </summary>
public static class NegotiatorApplication
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "MA0051:Method is too long", Justification = "The composition root lists every registration of the service in one place.")]
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults("Negotiator");
        builder.AddApiAccess();

        builder.Services.AddOptions<NegotiationOptions>()
            .BindConfiguration(NegotiationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ApiOptions>()
            .BindConfiguration(ApiOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddOptions<ResourcePoolOptions>()
            .BindConfiguration(ResourcePoolOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AllocationRecommender>();
        builder.Services.AddSingleton<FastPathRefresh>();
        builder.Services.AddSingleton<SubmissionCommits>();
        builder.Services.AddSingleton<NegotiationSubmitter>();
        builder.Services.AddSingleton<ResourcePoolLedger>();
        builder.Services.AddSingleton<NegotiationDecisions>();
        builder.Services.AddHostedService<DeadlineWatcher>();

        builder.Services
            .AddEventStore(store =>
            {
                store.Schema.For<NegotiationState>()
                    .Identity(state => state.CorrelationId)
                    .UseOptimisticConcurrency(true)
                    .Index(state => state.NextDeadlineAt);
                store.Projections.Add<NegotiationViewProjection>(ProjectionLifecycle.Async);
                store.Projections.Add<ValidationRunViewProjection>(ProjectionLifecycle.Async);
                store.Projections.Add<WorkloadUsageProjection>(ProjectionLifecycle.Async);
                store.AddCostProjections();

                // Pool capacity is read under the pool's lock, so its snapshot must be current: inline.
                store.Events.AddEventTypes(EventShadow.Contracts.ResourcePoolEvents.All);
                store.Projections.Snapshot<PoolCapacity>(SnapshotLifecycle.Inline);
            })
            .AddEventRelay();

        builder.Services.AddServiceBus(bus =>
        {
            bus.AddSagaStateMachine<NegotiationStateMachine, NegotiationState>((context, saga) =>
                    saga.Message<RequirementsAnalyzed>(message =>
                        message.UseFilter(new SubmissionCommitFilter(context.GetRequiredService<SubmissionCommits>()))))
                .MartenRepository();
            bus.AddConsumer<SubmitPartialTaskConsumer>();
        });

        builder.Services.AddOpenApi(openApi =>
        {
            openApi.AddDocumentTransformer<ApiKeySecurityTransformer>();
            openApi.AddOperationTransformer<ApiKeySecurityTransformer>();
        });
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseApiAccess();
        app.MapServiceHealthChecks();
        app.MapErrorQueueEndpoints();

        // The API's description contains no data, so it can be read before a key is configured.
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/docs").AllowAnonymous();
        app.MapNegotiationEndpoints();
        app.MapNegotiationEventFeed();
        app.MapDashboard();
        app.MapValidationEndpoints();
        app.MapCapacityEndpoints();
        return app.MapCostEndpoints();
    }
}
