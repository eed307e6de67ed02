using System.Collections.Concurrent;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using MassTransit;
using Microsoft.AspNetCore.Builder;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// The relay keeps events that were committed while RabbitMQ was down and publishes them once the
/// broker is back, without a restart of the Negotiator.
/// </summary>
public sealed class RelayOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Downtime = TimeSpan.FromSeconds(20);

    private readonly ConcurrentDictionary<Guid, ShadowCostRecorded> received = new();

    private DedicatedContainer broker = null!;
    private TestServices infrastructure = null!;
    private WebApplication negotiator = null!;
    private TestBus observer = null!;
    private EventStoreProbe eventStore = null!;

    public async Task InitializeAsync()
    {
        broker = await DedicatedContainer.StartRabbitMqAsync();
        infrastructure = await TestServices.CreateAsync();
        negotiator = NegotiatorApplication.Build(
        [
            .. infrastructure.ServiceArguments("--EventStore:PollingMilliseconds=100", SourceTree.ContentRootArgument("Negotiator")),
            .. broker.Settings,
        ]);
        await negotiator.StartAsync();
        eventStore = new EventStoreProbe(infrastructure.Schema);

        var endpoint = new RabbitMqEndpoint("127.0.0.1", broker.Port, "/", DedicatedContainer.RabbitMqUser, DedicatedContainer.RabbitMqPassword);
        observer = await TestBus.StartAsync(endpoint, rabbit =>
            rabbit.ReceiveEndpoint("relay-outage-observer", queue => queue.Handler<ShadowCostRecorded>(context =>
            {
                received.TryAdd(context.Message.NegotiationId, context.Message);
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
        await broker.DisposeAsync();
    }

    [Fact]
    public async Task Events_committed_during_outage_reach_bus_afterwards()
    {
        var before = Guid.NewGuid();
        await eventStore.AppendAsync(before, Cost(before));
        await WaitForAsync([before]);

        var restart = broker.RestartAsync(Downtime);

        // The stop takes up to 5 s; these commits fall into the outage and the relay fails to publish them.
        await Task.Delay(TimeSpan.FromSeconds(8));
        var during = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in during)
        {
            await eventStore.AppendAsync(id, Cost(id));
        }

        await restart;
        var after = Guid.NewGuid();
        await eventStore.AppendAsync(after, Cost(after));

        await WaitForAsync([.. during, after]);
    }

    private static ShadowCostRecorded Cost(Guid negotiationId) =>
        new(negotiationId, 1, "shadow", 10, 0.01m, "USD", "default", "test");

    private async Task WaitForAsync(IReadOnlyList<Guid> ids)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (ids.All(received.ContainsKey))
            {
                return;
            }

            await Task.Delay(200);
        }

        var missing = ids.Where(id => !received.ContainsKey(id)).ToList();
        throw new TimeoutException($"{missing.Count} of {ids.Count} events did not reach the bus within {Timeout}: {string.Join(", ", missing)}");
    }
}
