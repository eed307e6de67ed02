using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EventShadow.Hosting;

/// <summary>
/// MassTransit on RabbitMQ, configured the same way in every service.
/// </summary>
public static class BusSetup
{
    /// <summary>
    /// Adds the bus. Each service lists its consumers and sagas in <paramref name="configure"/>:
    /// that list is the map of what the service reacts to.
    /// </summary>
    public static IServiceCollection AddServiceBus(this IServiceCollection services, Action<IBusRegistrationConfigurator> configure)
    {
        services.AddOptions<RabbitMqOptions>()
            .BindConfiguration(RabbitMqOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // MassTransit reports usage to its vendor over the internet unless told not to, and its
        // MASSTRANSIT_USAGE_TELEMETRY variable overrides the code. EventShadow sends nothing off the
        // machine, so the variable is pinned for this process as well.
        Environment.SetEnvironmentVariable("MASSTRANSIT_USAGE_TELEMETRY", "false");

        services.AddSingleton<ErrorQueues>();
        services.AddReceiveEndpointObserver(provider => provider.GetRequiredService<ErrorQueues>());

        services.AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            bus.SetKebabCaseEndpointNameFormatter();
            configure(bus);

            bus.AddConfigureEndpointsCallback(UseQuorumQueuesWhenConfigured);

            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                rabbit.Host(options.Host, (ushort)options.Port, options.VirtualHost, host =>
                {
                    host.Username(options.Username);
                    host.Password(options.Password);
                });
                rabbit.PrefetchCount = options.PrefetchCount;

                // Optimistic-concurrency conflicts on a negotiation stream and brief outages of
                // PostgreSQL or Docker are retried; what still fails goes to the endpoint's _error queue.
                // Invalid input (a FormatException) goes there at once, as retrying cannot fix it.
                rabbit.UseMessageRetry(retry =>
                {
                    retry.Exponential(
                        retryLimit: 6,
                        minInterval: TimeSpan.FromMilliseconds(50),
                        maxInterval: TimeSpan.FromSeconds(5),
                        intervalDelta: TimeSpan.FromMilliseconds(200));
                    retry.Ignore<FormatException>();
                });

                rabbit.ConfigureEndpoints(context);
            });
        });

        services.AddOptions<MassTransitHostOptions>().Configure(host =>
        {
            host.WaitUntilStarted = true;
            host.StartTimeout = TimeSpan.FromSeconds(60);
            host.StopTimeout = TimeSpan.FromSeconds(30);
        });

        return services;
    }

    /// <summary>
    /// Declares an endpoint's queue as a quorum queue when <see cref="RabbitMqOptions.QuorumQueues"/> is set.
    /// </summary>
    private static void UseQuorumQueuesWhenConfigured(IRegistrationContext context, string queueName, IReceiveEndpointConfigurator endpoint)
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit &&
            context.GetRequiredService<IOptions<RabbitMqOptions>>().Value.QuorumQueues)
        {
            rabbit.SetQuorumQueue();
        }
    }
}
