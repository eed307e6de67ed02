using EventShadow.Contracts;
using EventShadow.CostLedger;
using EventShadow.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using ContainerSpec = EventShadow.Contracts.ContainerSpec;

namespace EventShadow.IntegrationTests.Costs;

/// <summary>
/// The CostLedger's consumers under at-least-once delivery: one message delivered several times at
/// once, as a relay that crashed before recording its progress would publish it, is priced once.
/// </summary>
public sealed class CostLedgerRedeliveryTests : IAsyncLifetime
{
    private const int Copies = 3;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private TestServices infrastructure = null!;
    private WebApplication costLedger = null!;
    private TestBus bus = null!;
    private EventStoreProbe eventStore = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        costLedger = CostLedgerApplication.Build(infrastructure.ServiceArguments(SourceTree.ContentRootArgument("CostLedger")));
        await costLedger.StartAsync();
        bus = await TestBus.StartAsync(infrastructure.RabbitMq);
        eventStore = new EventStoreProbe(infrastructure.Schema);
    }

    public async Task DisposeAsync()
    {
        await bus.DisposeAsync();
        await costLedger.StopAsync();
        await costLedger.DisposeAsync();
        await eventStore.DisposeAsync();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Duplicate_release_priced_once()
    {
        var negotiationId = Guid.NewGuid();
        var claimedAt = DateTimeOffset.UtcNow.AddSeconds(-30);
        var released = new ShadowReleased(negotiationId, 1, "shadow-redelivery-1", Allocation, claimedAt, DateTimeOffset.UtcNow);
        await eventStore.AppendAsync(
            negotiationId,
            Proposal(negotiationId),
            new ShadowClaimed(negotiationId, 1, released.ShadowId, "eventshadow-test-1", TestSettings.WorkloadImage, ColdStart: true, claimedAt),
            released);

        await PublishCopiesAsync(released);

        await eventStore.WaitForEventAsync<ShadowCostRecorded>(negotiationId, Timeout);
        var events = await ReadAfterRedeliveriesAsync(negotiationId);
        var cost = Assert.Single(events.OfType<ShadowCostRecorded>());
        Assert.Equal(released.ShadowId, cost.ShadowId);
        Assert.True(cost.Cost > 0, $"The shadow's 30 s were priced at {cost.Cost}.");
    }

    [Fact]
    public async Task Duplicate_commit_priced_once()
    {
        var negotiationId = Guid.NewGuid();
        var committed = new AllocationCommitted(negotiationId, 1, Allocation, DateTimeOffset.UtcNow);
        await eventStore.AppendAsync(negotiationId, Proposal(negotiationId), committed);

        await PublishCopiesAsync(committed);

        await eventStore.WaitForEventAsync<CommittedAllocationPriced>(negotiationId, Timeout);
        var events = await ReadAfterRedeliveriesAsync(negotiationId);
        var priced = Assert.Single(events.OfType<CommittedAllocationPriced>());
        Assert.Equal(Allocation, priced.Allocation);
    }

    [Fact]
    public async Task Concurrent_duplicate_commits_priced_once_each()
    {
        // Commits arriving together are priced in shared transactions; a duplicate among them must not
        // cost the others their pricing, nor be priced twice.
        var ids = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToList();
        var commits = new List<AllocationCommitted>();
        foreach (var id in ids)
        {
            var committed = new AllocationCommitted(id, 1, Allocation, DateTimeOffset.UtcNow);
            await eventStore.AppendAsync(id, Proposal(id), committed);
            commits.Add(committed);
        }

        await Task.WhenAll(commits.Select(PublishCopiesAsync));

        foreach (var id in ids)
        {
            await eventStore.WaitForEventAsync<CommittedAllocationPriced>(id, Timeout);
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (var id in ids)
        {
            Assert.Single((await eventStore.ReadStreamAsync(id)).OfType<CommittedAllocationPriced>());
        }
    }

    [Fact]
    public async Task Duplicate_idle_period_priced_once()
    {
        var shadowId = $"warm-redelivery-{Guid.NewGuid():N}";
        var resumedAt = DateTimeOffset.UtcNow;
        var idled = new WarmShadowIdled("default", WorkloadProfile.Cache, shadowId, 64, resumedAt.AddMinutes(-5), resumedAt);
        var stream = CostStreams.ForWarmShadow(idled.Pool, shadowId);
        await eventStore.AppendAsync(stream, idled);

        await PublishCopiesAsync(idled);

        await eventStore.WaitForEventAsync<IdleShadowCostRecorded>(stream, Timeout);
        var events = await ReadAfterRedeliveriesAsync(stream);
        var cost = Assert.Single(events.OfType<IdleShadowCostRecorded>());
        Assert.Equal(300, cost.IdleSeconds, precision: 0);
    }

    private static ResourceAllocation Allocation => new(500, 256);

    /// <summary>Publishes <see cref="Copies"/> copies of <paramref name="message"/> with one message id, all at once.</summary>
    private Task PublishCopiesAsync<T>(T message)
        where T : class
    {
        var messageId = Guid.NewGuid();
        return Task.WhenAll(Enumerable.Range(0, Copies).Select(_ => bus.PublishAsync(message, messageId)));
    }

    /// <summary>
    /// Reads the stream 3 s after the first copy's result appeared, which leaves the other copies,
    /// delivered at the same moment, ample time to be consumed and to append a duplicate if they would.
    /// </summary>
    private async Task<IReadOnlyList<object>> ReadAfterRedeliveriesAsync(Guid negotiationId)
    {
        await Task.Delay(TimeSpan.FromSeconds(3));
        return await eventStore.ReadStreamAsync(negotiationId);
    }

    private static AllocationProposed Proposal(Guid negotiationId)
    {
        var container = new ContainerSpec(
            "cache", "redis:7", null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);
        return new AllocationProposed(negotiationId, 1, Allocation, "test allocation", WorkloadProfile.Cache, container);
    }
}
