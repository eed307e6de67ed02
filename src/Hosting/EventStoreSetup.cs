using EventShadow.Contracts;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Weasel.Core;

namespace EventShadow.Hosting;

/// <summary>
/// Marten on PostgreSQL: one event stream per negotiation, keyed by the negotiation id.
/// </summary>
public static class EventStoreSetup
{
    /// <summary>
    /// Registers the event store. <paramref name="configure"/> adds what only this service needs,
    /// such as projections or saga documents.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddEventStore(
        this IServiceCollection services, Action<StoreOptions>? configure = null)
    {
        services.AddOptions<EventStoreOptions>()
            .BindConfiguration(EventStoreOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    options.ConnectionString = configuration.GetConnectionString("EventStore") ?? "";
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<NegotiationEventWriter>();

        return services
            .AddMarten(provider =>
            {
                var settings = provider.GetRequiredService<IOptions<EventStoreOptions>>().Value;
                var store = new StoreOptions();

                store.Connection(WithStatementReuse(settings.ConnectionString));
                store.Logger(new MartenFailureLogger(provider.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()));
                store.DatabaseSchemaName = settings.Schema;
                store.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                store.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

                store.Events.StreamIdentity = StreamIdentity.AsGuid;
                store.Events.AddEventTypes(NegotiationEvents.All);
                store.Events.AddEventTypes(ShadowPoolEvents.All);

                store.Schema.For<ProcessedMessage>().Identity(message => message.Id);

                // Each hop through the relay otherwise waits for the daemon's next poll.
                store.Events.UseListenNotifyForEventAppends = settings.WakeOnAppend;
                store.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(settings.PollingMilliseconds);

                // Marten 9 moves past a gap only when it finds no open transaction that could still
                // fill it, and its warning lists what it checked. A short wait therefore loses no event,
                // while Marten's default of 3 s stalls every projection and the relay at each gap.
                store.Projections.StaleSequenceThreshold = TimeSpan.FromMilliseconds(settings.StaleSequenceMilliseconds);
                store.Projections.FastPollingTime = TimeSpan.FromMilliseconds(Math.Max(10, settings.PollingMilliseconds / 2));

                configure?.Invoke(store);
                return store;
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
    }

    /// <summary>
    /// Returns <paramref name="connectionString"/> with Npgsql's automatic preparation of repeated
    /// statements and without the reset of a pooled connection on every checkout, unless it sets them
    /// itself. Every service runs the same few statements many times a second, so PostgreSQL then
    /// parses and plans each once per connection, and a checkout costs no <c>DISCARD ALL</c>.
    /// </summary>
    /// <remarks>
    /// No code here keeps session state on a pooled connection: locks are taken per transaction
    /// (<c>pg_advisory_xact_lock</c>, <c>FOR UPDATE</c>), and nothing sets session variables or uses
    /// temporary tables. Code that starts to must set <c>No Reset On Close=false</c> again.
    /// </remarks>
    public static string WithStatementReuse(string connectionString)
    {
        // Npgsql's own builder reports every keyword it supports as present, so a plain one lists the keys the string sets.
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!written.ContainsKey("Max Auto Prepare") && !written.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
        }

        if (!written.ContainsKey("No Reset On Close") && !written.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Runs Marten's async daemon in this process and relays every committed event to RabbitMQ.
    /// With several instances, hot/cold leader election lets exactly one of them do the work.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddEventRelay(
        this MartenServiceCollectionExtensions.MartenConfigurationExpression marten)
    {
        return marten
            .AddSubscriptionWithServices<EventBusRelay>(ServiceLifetime.Singleton)
            .AddAsyncDaemon(DaemonMode.HotCold);
    }
}
