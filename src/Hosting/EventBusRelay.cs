using EventShadow.Contracts;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventShadow.Hosting;

/// <summary>
/// Publishes committed events to RabbitMQ: the event store is the outbox.
/// </summary>
/// <remarks>
/// Marten's daemon hands over events only after their transaction committed and records progress
/// after this method returns, so a crash in between publishes a page again, never loses one. Each
/// message id is the event's id, which lets consumers recognise the repeat. Events of one stream
/// are published in their order; events of different streams may overtake each other.
/// </remarks>
public sealed class EventBusRelay : SubscriptionBase
{
    public const string SequenceHeader = "EventShadow-Sequence";

    private readonly IBus bus;
    private readonly ILogger<EventBusRelay> logger;
    private readonly int concurrency;

    public EventBusRelay(IBus bus, IOptions<EventStoreOptions> options, ILogger<EventBusRelay> logger)
    {
        this.bus = bus;
        this.logger = logger;
        concurrency = options.Value.RelayConcurrency;

        Name = "EventBusRelay";
        Options.BatchSize = 500;
        foreach (var eventType in NegotiationEvents.All)
        {
            IncludeType(eventType);
        }
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        // Each publish waits for the broker's confirm, so one at a time caps the relay at one round
        // trip per event. Streams are published side by side, each in its own order. The page counts
        // as done only when every publish is confirmed, and a failure makes the daemon retry it.
        var streams = page.Events.GroupBy(@event => @event.StreamId);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(streams, parallel, async (stream, token) =>
        {
            foreach (var @event in stream)
            {
                await PublishAsync(@event, token);
            }
        });

        if (page.Events.Count > 0)
        {
            logger.LogDebug("Relayed events {From} to {To} to the bus", page.SequenceFloor + 1, page.SequenceCeiling);
        }

        return NullChangeListener.Instance;
    }

    private Task PublishAsync(IEvent @event, CancellationToken cancellationToken) =>
        bus.Publish(@event.Data, @event.EventType, context =>
        {
            context.MessageId = @event.Id;
            context.Headers.Set(SequenceHeader, @event.Sequence);
        }, cancellationToken);
}
