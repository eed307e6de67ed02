using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using Marten;
using Microsoft.AspNetCore.Builder;

namespace EventShadow.IntegrationTests.Negotiator;

/// <summary>
/// Definitions that other systems publish on RabbitMQ as <see cref="SubmitPartialTask"/>.
/// </summary>
public sealed class SubmitPartialTaskTests : IAsyncLifetime
{
    private const string ErrorQueue = "submit-partial-task_error";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private TestServices infrastructure = null!;
    private WebApplication negotiator = null!;
    private TestBus bus = null!;
    private EventStoreProbe eventStore = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        negotiator = NegotiatorApplication.Build(infrastructure.ServiceArguments(
            "--Api:MaxDefinitionBytes=4096", SourceTree.ContentRootArgument("Negotiator")));
        await negotiator.StartAsync();
        bus = await TestBus.StartAsync(infrastructure.RabbitMq);
        eventStore = new EventStoreProbe(infrastructure.Schema);
    }

    public async Task DisposeAsync()
    {
        await bus.DisposeAsync();
        await negotiator.StopAsync();
        await negotiator.DisposeAsync();
        await eventStore.DisposeAsync();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Repeated_submission_starts_one_negotiation()
    {
        var id = Guid.NewGuid();
        var command = new SubmitPartialTask(id, TestManifests.RedisPod, "cache.yaml");

        for (var copy = 0; copy < 3; copy++)
        {
            await bus.PublishAsync(command, Guid.NewGuid());
        }

        await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout);
        await Task.Delay(TimeSpan.FromSeconds(3));

        var events = await eventStore.ReadStreamAsync(id);
        Assert.Single(events.OfType<PartialTaskSubmitted>());
        Assert.Single(events.OfType<AllocationProposed>());
        Assert.Equal(0, await RabbitMqBroker.CountMessagesAsync(infrastructure.RabbitMq.VirtualHost, ErrorQueue));
    }

    [Fact]
    public async Task Invalid_definition_goes_to_error_queue()
    {
        var id = Guid.NewGuid();

        await bus.PublishAsync(new SubmitPartialTask(id, "kind: [unclosed", "broken.yaml"), Guid.NewGuid());

        await WaitForErrorQueueAsync(expected: 1);
        await using var session = eventStore.Store.QuerySession();
        Assert.Null(await session.Events.FetchStreamStateAsync(id));
    }

    [Fact]
    public async Task Oversized_definition_goes_to_error_queue()
    {
        var id = Guid.NewGuid();
        var oversized = TestManifests.RedisPod + "\n# " + new string('x', 5000) + "\n";

        await bus.PublishAsync(new SubmitPartialTask(id, oversized, "large.yaml"), Guid.NewGuid());

        await WaitForErrorQueueAsync(expected: 1);
        await using var session = eventStore.Store.QuerySession();
        Assert.Null(await session.Events.FetchStreamStateAsync(id));
    }

    [Fact]
    public async Task Source_name_with_control_characters_is_rejected()
    {
        var id = Guid.NewGuid();

        await bus.PublishAsync(new SubmitPartialTask(id, TestManifests.RedisPod, "evil\u001b[31m\nname"), Guid.NewGuid());

        await WaitForErrorQueueAsync(expected: 1);
        await using var session = eventStore.Store.QuerySession();
        Assert.Null(await session.Events.FetchStreamStateAsync(id));
    }

    private async Task WaitForErrorQueueAsync(int expected)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        var count = 0;
        while (DateTimeOffset.UtcNow < deadline)
        {
            count = await RabbitMqBroker.CountMessagesAsync(infrastructure.RabbitMq.VirtualHost, ErrorQueue);
            if (count >= expected)
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.Equal(expected, count);
    }
}
