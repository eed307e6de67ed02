using Docker.DotNet.Models;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.PoolManager;
using EventShadow.PoolManager.Pools;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ContainerSpec = EventShadow.Contracts.ContainerSpec;

namespace EventShadow.IntegrationTests.PoolManager;

/// <summary>
/// The reaper on the real engine and event store, with a clock that can run ahead.
/// </summary>
public sealed class ShadowReaperTests : IAsyncLifetime
{
    private readonly string pool = $"reaper-test-{Guid.NewGuid():N}"[..24];
    private readonly string instance = $"reaper-tests-{Guid.NewGuid():N}"[..24];
    private readonly MovableClock clock = new();

    private TestServices infrastructure = null!;
    private EventStoreProbe eventStore = null!;
    private PoolStreams poolStreams = null!;
    private ShadowContainers containers = null!;
    private ShadowImageCatalog catalog = null!;
    private ShadowReaper reaper = null!;
    private WarmShadows warmShadows = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        eventStore = new EventStoreProbe(infrastructure.Schema);
        poolStreams = new PoolStreams(infrastructure.Schema);

        var options = Options.Create(PoolManagerSettings.LoadShadowOptions(
            instance, ("Shadows:Pool", pool), ("Shadows:MaxShadowLifetimeMinutes", "30")));
        containers = new ShadowContainers(ShadowDocker.Client, options, clock, NullLogger<ShadowContainers>.Instance);
        catalog = new ShadowImageCatalog(options);
        warmShadows = new WarmShadows(containers, options);
        reaper = new ShadowReaper(
            containers, warmShadows, new ShadowPoolJournal(poolStreams.Store, options), poolStreams.Store, options, clock, NullLogger<ShadowReaper>.Instance);
    }

    public async Task DisposeAsync()
    {
        warmShadows.Dispose();
        await ShadowDocker.RemovePoolAsync(pool);
        await poolStreams.DisposeAsync();
        await eventStore.DisposeAsync();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Reaper_removes_shadow_of_ended_negotiation()
    {
        var (negotiationId, claim) = await ClaimAsync();
        var (otherId, other) = await ClaimAsync();
        await eventStore.AppendAsync(negotiationId, new NegotiationFailed(negotiationId, 1, "test ended it", DateTimeOffset.UtcNow));

        var removed = await reaper.ReapAsync(starting: false, CancellationToken.None);

        Assert.Equal(1, removed);
        Assert.Null(await containers.FindAsync(claim.ShadowId, CancellationToken.None));
        Assert.NotNull(await containers.FindAsync(other.ShadowId, CancellationToken.None));
        var release = Assert.Single((await eventStore.ReadStreamAsync(negotiationId)).OfType<ShadowReleased>());
        Assert.Equal(claim.ShadowId, release.ShadowId);
        Assert.Equal(claim.ClaimedAt, release.ClaimedAt);
        var reaped = Assert.Single((await poolStreams.ReadAsync(pool, WorkloadProfile.Cache)).OfType<ShadowReaped>());
        Assert.Equal(claim.ShadowId, reaped.ShadowId);
        Assert.Equal(negotiationId, reaped.NegotiationId);
        Assert.Empty((await eventStore.ReadStreamAsync(otherId)).OfType<ShadowReleased>());
    }

    [Fact]
    public async Task Reaper_removes_shadows_past_lifetime()
    {
        var (negotiationId, claim) = await ClaimAsync();
        var workload = catalog.Resolve(Container());
        var (warmId, _) = await containers.CreateWarmAsync(new WarmShadowRequest(WorkloadProfile.Cache, workload), CancellationToken.None);

        Assert.Equal(0, await reaper.ReapAsync(starting: false, CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(31));
        var removed = await reaper.ReapAsync(starting: false, CancellationToken.None);

        Assert.Equal(2, removed);
        Assert.Empty(await ShadowDocker.ListPoolAsync(pool));
        var release = Assert.Single((await eventStore.ReadStreamAsync(negotiationId)).OfType<ShadowReleased>());
        Assert.Equal(claim.ShadowId, release.ShadowId);
        var events = await poolStreams.ReadAsync(pool, WorkloadProfile.Cache);
        Assert.Contains(events.OfType<ShadowReaped>(), reap => reap.ShadowId == claim.ShadowId && reap.Reason.Contains("outlived 30 minutes", StringComparison.Ordinal));
        var removal = Assert.Single(events.OfType<WarmShadowRemoved>(), removal => removal.ShadowId == warmId);

        // The warm shadow is priced for the time it stood in the pool: from its creation to its removal.
        var idled = Assert.Single(events.OfType<WarmShadowIdled>(), idled => idled.ShadowId == warmId);
        Assert.Equal(removal.RemovedAt, idled.ResumedAt);
        Assert.Equal(PoolManagerSettings.LoadShadowOptions(instance).WarmMemoryMiB, idled.MemoryMiB);
        Assert.InRange(idled.ResumedAt - idled.PausedAt, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(33));
    }

    [Fact]
    public async Task Reaper_leaves_shadows_of_other_event_stores()
    {
        var negotiationId = Guid.NewGuid();
        var request = new ShadowRequest(negotiationId, 1, WorkloadProfile.Cache, new ResourceAllocation(250, 64), catalog.Resolve(Container()));
        var claim = await containers.ClaimAsync(request, CancellationToken.None);

        Assert.Equal(0, await reaper.ReapAsync(starting: true, CancellationToken.None));
        Assert.NotNull(await containers.FindAsync(claim.ShadowId, CancellationToken.None));
    }

    /// <summary>
    /// Creates a shadow for a new negotiation and records its claim as the PoolManager does.
    /// </summary>
    private async Task<(Guid NegotiationId, ShadowClaim Claim)> ClaimAsync()
    {
        var negotiationId = Guid.NewGuid();
        var allocation = new ResourceAllocation(250, 64);
        var request = new ShadowRequest(negotiationId, 1, WorkloadProfile.Cache, allocation, catalog.Resolve(Container()));
        var claim = await containers.ClaimAsync(request, CancellationToken.None);
        await eventStore.AppendAsync(
            negotiationId,
            new AllocationProposed(negotiationId, 1, allocation, "test allocation", WorkloadProfile.Cache, Container()),
            new ShadowClaimed(negotiationId, 1, claim.ShadowId, claim.ShadowName, claim.Image, claim.ColdStart, claim.ClaimedAt),
            new ShadowConfigured(negotiationId, 1, claim.ShadowId, allocation, claim.WorkloadExecId, null, claim.ClaimedAt));
        return (negotiationId, claim);
    }

    private static ContainerSpec Container() =>
        new("cache", "redis:7", null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);

    /// <summary>The system clock, moved ahead by the test.</summary>
    private sealed class MovableClock : TimeProvider
    {
        private TimeSpan offset;

        public void Advance(TimeSpan by) => offset += by;

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
    }
}
