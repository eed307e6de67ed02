using EventShadow.Contracts;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace EventShadow.Hosting;

/// <summary>
/// Publishes committed events to RabbitMQ: the event store is the outbox.
/// </summary>
/// <remarks>
/// Marten's daemon hands over events only after their transaction committed and records progress
/// after this method returns, so a crash in between publishes a page again, never loses one. Each
/// message id is the event's id, which lets consumers recognise the repeat.
/// </remarks>
public sealed class EventBusRelay : SubscriptionBase
{
    public const string SequenceHeader = "EventShadow-Sequence";

    private readonly IBus bus;
    private readonly ILogger<EventBusRelay> logger;

    public EventBusRelay(IBus bus, ILogger<EventBusRelay> logger)
    {
        this.bus = bus;
        this.logger = logger;

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
        foreach (var @event in page.Events)
        {
            await bus.Publish(@event.Data, @event.EventType, context =>
            {
                context.MessageId = @event.Id;
                context.Headers.Set(SequenceHeader, @event.Sequence);
            }, cancellationToken);
        }

        if (page.Events.Count > 0)
        {
            logger.LogDebug("Relayed events {From} to {To} to the bus", page.SequenceFloor + 1, page.SequenceCeiling);
        }

        return NullChangeListener.Instance;
    }
}
