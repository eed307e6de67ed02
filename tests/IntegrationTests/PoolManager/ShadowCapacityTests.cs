using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.PoolManager;
using Microsoft.AspNetCore.Builder;
using ContainerSpec = EventShadow.Contracts.ContainerSpec;

namespace EventShadow.IntegrationTests.PoolManager;

/// <summary>
/// The PoolManager's limit on live shadows: a proposal beyond it waits until a release frees a slot.
/// </summary>
public sealed class ShadowCapacityTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // A pool of its own, so that shadows of other tests on this Docker host do not count.
    private readonly string pool = $"capacity-test-{Guid.NewGuid():N}"[..24];
    private readonly List<Guid> negotiations = [];

    private TestServices infrastructure = null!;
    private WebApplication poolManager = null!;
    private TestBus bus = null!;
    private EventStoreProbe eventStore = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        poolManager = PoolManagerApplication.Build(infrastructure.ServiceArguments(
            SourceTree.ContentRootArgument("PoolManager"),
            "--Shadows:MaxShadows=1",
            "--Shadows:CapacityWaitSeconds=60",
            $"--Shadows:Pool={pool}"));
        await poolManager.StartAsync();
        bus = await TestBus.StartAsync(infrastructure.RabbitMq);
        eventStore = new EventStoreProbe(infrastructure.Schema);
    }

    public async Task DisposeAsync()
    {
        await bus.DisposeAsync();
        await poolManager.StopAsync();
        await poolManager.DisposeAsync();
        await ShadowDocker.RemoveShadowsAsync(negotiations);
        await eventStore.DisposeAsync();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Proposal_waits_for_free_shadow_slot()
    {
        var first = Proposal();
        var second = Proposal();
        await PublishAsync(first.NegotiationId, first);
        var firstShadow = await eventStore.WaitForEventAsync<ShadowConfigured>(first.NegotiationId, Timeout);

        await PublishAsync(second.NegotiationId, second);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty((await eventStore.ReadStreamAsync(second.NegotiationId)).OfType<ShadowClaimed>());
        Assert.Empty(await ShadowDocker.ListShadowsAsync(second.NegotiationId));

        await PublishAsync(first.NegotiationId, new AllocationCommitted(first.NegotiationId, 1, first.Allocation, DateTimeOffset.UtcNow));
        var secondShadow = await eventStore.WaitForEventAsync<ShadowConfigured>(second.NegotiationId, Timeout);

        Assert.NotEqual(firstShadow.ShadowId, secondShadow.ShadowId);
        Assert.Empty(await ShadowDocker.ListShadowsAsync(first.NegotiationId));
    }

    private async Task PublishAsync<T>(Guid negotiationId, T @event)
        where T : class
    {
        await eventStore.AppendAsync(negotiationId, @event);
        await bus.PublishAsync(@event, Guid.NewGuid());
    }

    private AllocationProposed Proposal()
    {
        var negotiationId = Guid.NewGuid();
        negotiations.Add(negotiationId);
        var container = new ContainerSpec(
            "cache", "redis:7", null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);
        return new AllocationProposed(negotiationId, 1, new ResourceAllocation(250, 64), "test allocation", WorkloadProfile.Cache, container);
    }
}
