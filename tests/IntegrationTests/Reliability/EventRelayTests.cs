using System.Collections.Concurrent;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using JasperFx.Events;
using MassTransit;
using Microsoft.AspNetCore.Builder;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// The event store is the outbox: the Negotiator's relay publishes an event only once its transaction
/// committed, with the event's id as the message id, so consumers can recognise a repeat.
/// </summary>
public sealed class EventRelayTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentBag<(Guid? MessageId, ShadowCostRecorded Message)> received = [];

    private TestServices infrastructure = null!;
    private WebApplication negotiator = null!;
    private TestBus observer = null!;
    private EventStoreProbe eventStore = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        negotiator = NegotiatorApplication.Build(infrastructure.ServiceArguments(
            "--EventStore:PollingMilliseconds=100", SourceTree.ContentRootArgument("Negotiator")));
        await negotiator.StartAsync();
        eventStore = new EventStoreProbe(infrastructure.Schema);

        observer = await TestBus.StartAsync(infrastructure.RabbitMq, rabbit =>
            rabbit.ReceiveEndpoint("relay-observer", queue => queue.Handler<ShadowCostRecorded>(context =>
            {
                received.Add((context.MessageId, context.Message));
                return Task.CompletedTask;
            })));
    }

    public async Task DisposeAsync()
    {
        await observer.DisposeAsync();
        await negotiator.StopAsync();
        await negotiator.DisposeAsync();
        await eventStore.DisposeAsync();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Relay_publishes_only_committed_events()
    {
        var rolledBack = Guid.NewGuid();
        var committed = Guid.NewGuid();

        // A stream that must be new but already exists: the whole transaction fails, its event included.
        await eventStore.AppendAsync(rolledBack, Cost(rolledBack, "first"));
        await using (var session = eventStore.Store.LightweightSession())
        {
            session.Events.StartStream(rolledBack, Cost(rolledBack, "never committed"));
            await Assert.ThrowsAnyAsync<Exception>(() => session.SaveChangesAsync());
        }

        await eventStore.AppendAsync(committed, Cost(committed, "committed"));

        var stored = await ReadEventAsync(committed);
        var relayed = await WaitForAsync(message => message.Message.NegotiationId == committed);
        Assert.Equal(stored.Id, relayed.MessageId);

        // The relay publishes in the store's order, so once the events written before and after the
        // failed transaction have arrived, its event would have arrived too had it been committed.
        await WaitForAsync(message => message.Message.ShadowId == "first");
        Assert.DoesNotContain(received, message => message.Message.ShadowId == "never committed");
    }

    private static ShadowCostRecorded Cost(Guid negotiationId, string shadowId) =>
        new(negotiationId, 1, shadowId, 10, 0.01m, "USD", "default", "test");

    private async Task<IEvent> ReadEventAsync(Guid streamId)
    {
        await using var session = eventStore.Store.QuerySession();
        return Assert.Single(await session.Events.FetchStreamAsync(streamId));
    }

    private async Task<(Guid? MessageId, ShadowCostRecorded Message)> WaitForAsync(Func<(Guid? MessageId, ShadowCostRecorded Message), bool> match)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var found = received.Where(match).ToList();
            if (found.Count > 0)
            {
                return found[0];
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No relayed message matched within {Timeout}; received {received.Count}.");
    }
}
