using System.Collections.Concurrent;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using MassTransit;
using Microsoft.AspNetCore.Builder;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// A publish in flight when the broker's connection goes silent and then drops must not stop the
/// relay. With MassTransit 8.5 such a publish neither completes nor fails after the connection
/// drops, so only the relay's timeout for each publish lets it try again: without the timeout,
/// this test fails because no later event reaches the bus.
/// </summary>
public sealed class RelayStallTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(150);

    private readonly ConcurrentDictionary<Guid, ShadowCostRecorded> received = new();

    private TestServices infrastructure = null!;
    private SilencingProxy proxy = null!;
    private WebApplication negotiator = null!;
    private TestBus observer = null!;
    private EventStoreProbe eventStore = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        proxy = SilencingProxy.Start(infrastructure.RabbitMq.Host, infrastructure.RabbitMq.Port);
        negotiator = NegotiatorApplication.Build(
        [
            .. infrastructure.ServiceArguments("--EventStore:PollingMilliseconds=100", SourceTree.ContentRootArgument("Negotiator")),
            $"--RabbitMq:Port={proxy.Port}",
        ]);
        await negotiator.StartAsync();
        eventStore = new EventStoreProbe(infrastructure.Schema);

        observer = await TestBus.StartAsync(infrastructure.RabbitMq, rabbit =>
            rabbit.ReceiveEndpoint("relay-stall-observer", queue => queue.Handler<ShadowCostRecorded>(context =>
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
        proxy.Dispose();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Publish_lost_in_silent_connection_is_retried()
    {
        var before = Guid.NewGuid();
        await eventStore.AppendAsync(before, Cost(before));
        await WaitForAsync([before]);

        // The broker's connection swallows what the relay sends, so the publish waits for a confirm.
        proxy.Silence();
        var during = Guid.NewGuid();
        await eventStore.AppendAsync(during, Cost(during));
        await Task.Delay(TimeSpan.FromSeconds(3));

        // Then the connection drops and MassTransit reconnects.
        proxy.DropConnectionsAndResume();
        var after = Guid.NewGuid();
        await eventStore.AppendAsync(after, Cost(after));

        await WaitForAsync([during, after]);
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
