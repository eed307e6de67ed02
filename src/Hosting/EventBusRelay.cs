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

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

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
        // as done only when every publish is confirmed; a failed publish is tried again until it is.
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

    /// <summary>
    /// Publishes one event, trying again until the broker confirms it or the daemon stops. Each try
    /// has <see cref="PublishTimeout"/>: a publish in flight when the broker's connection drops can
    /// wait for a confirm that never comes, and a relay stuck there would publish nothing more.
    /// </summary>
    private async Task PublishAsync(IEvent @event, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PublishTimeout);
            try
            {
                await bus.Publish(@event.Data, @event.EventType, context =>
                {
                    context.MessageId = @event.Id;
                    context.Headers.Set(SequenceHeader, @event.Sequence);
                }, timeout.Token);
                if (attempt > 1)
                {
                    logger.LogInformation("Relayed event {Sequence} ({EventType}) at attempt {Attempt}", @event.Sequence, @event.EventType.Name, attempt);
                }

                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A warning for the first failure and every 20th, so that a long outage does not flood the log.
                if (attempt == 1 || attempt % 20 == 0)
                {
                    logger.LogWarning(
                        ex, "Could not publish event {Sequence} ({EventType}) to the bus at attempt {Attempt}; trying again in {Delay}",
                        @event.Sequence, @event.EventType.Name, attempt, delay);
                }

                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }
}
