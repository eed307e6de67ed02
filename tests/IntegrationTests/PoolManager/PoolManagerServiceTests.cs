using Docker.DotNet.Models;
using ContainerSpec = EventShadow.Contracts.ContainerSpec;
using EventShadow.Contracts;
using EventShadow.PoolManager;

namespace EventShadow.IntegrationTests.PoolManager;

/// <summary>
/// The PoolManager service end to end: events arrive over RabbitMQ as the relay publishes them, shadows
/// appear on the real Docker engine, and the service's events land in the negotiation's stream.
/// </summary>
public sealed class PoolManagerServiceTests(PoolManagerServiceFixture service) : IClassFixture<PoolManagerServiceFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly List<Guid> negotiations = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => ShadowDocker.RemoveShadowsAsync(negotiations);

    [Fact]
    public async Task Proposal_creates_configured_shadow()
    {
        var proposal = Proposal("redis:7-alpine", new ResourceAllocation(250, 128));

        await PublishEventAsync(proposal.NegotiationId, proposal);
        var configured = await service.Probe.WaitForEventAsync<ShadowConfigured>(proposal.NegotiationId, Timeout);

        var events = await service.Probe.ReadStreamAsync(proposal.NegotiationId);
        var claimed = Assert.Single(events.OfType<ShadowClaimed>());
        Assert.Equal(ShadowLabels.ContainerName(proposal.NegotiationId, 1), claimed.ShadowName);
        Assert.Equal(configured.ShadowId, claimed.ShadowId);
        Assert.Equal("eventshadow/workload:1", claimed.Image);
        Assert.True(claimed.ColdStart);
        var types = events.Select(@event => @event.GetType()).ToList();
        Assert.True(types.IndexOf(typeof(ShadowClaimed)) < types.IndexOf(typeof(ShadowConfigured)), "ShadowClaimed must precede ShadowConfigured");

        Assert.Equal(1, configured.Attempt);
        Assert.Equal(proposal.Allocation, configured.Allocation);
        Assert.False(string.IsNullOrEmpty(configured.WorkloadExecId));
        Assert.NotNull(configured.Readiness);
        Assert.Equal(["redis-cli", "ping"], configured.Readiness.Command);

        var container = Assert.Single(await ShadowDocker.ListShadowsAsync(proposal.NegotiationId));
        Assert.Equal(configured.ShadowId, container.ID);
        Assert.Equal("running", container.State);
        Assert.Equal(PoolManagerServiceFixture.InstanceName, container.Labels[ShadowLabels.Owner]);

        var pong = await ShadowDocker.WaitUntilSucceedsAsync(container.ID, configured.Readiness.Command, configured.Readiness.User, Timeout);
        Assert.Equal("PONG", pong.Trim());
    }

    [Fact]
    public async Task Redelivered_proposal_keeps_one_shadow()
    {
        var proposal = Proposal("redis:7", new ResourceAllocation(250, 128));
        var messageId = await PublishEventAsync(proposal.NegotiationId, proposal);
        await service.Probe.WaitForEventAsync<ShadowConfigured>(proposal.NegotiationId, Timeout);

        await service.Bus.PublishAsync(proposal, messageId);
        await service.Consumed.WaitForAsync(messageId, times: 2, Timeout);

        var events = await service.Probe.ReadStreamAsync(proposal.NegotiationId);
        Assert.Single(events.OfType<ShadowClaimed>());
        Assert.Single(events.OfType<ShadowConfigured>());
        Assert.Single(await ShadowDocker.ListShadowsAsync(proposal.NegotiationId));
    }

    [Fact]
    public async Task Commit_releases_shadow_and_records_release()
    {
        var proposal = Proposal("redis:7", new ResourceAllocation(250, 128));
        await PublishEventAsync(proposal.NegotiationId, proposal);
        var configured = await service.Probe.WaitForEventAsync<ShadowConfigured>(proposal.NegotiationId, Timeout);
        var claimed = (await service.Probe.ReadStreamAsync(proposal.NegotiationId)).OfType<ShadowClaimed>().Single();

        await PublishEventAsync(proposal.NegotiationId, new AllocationCommitted(proposal.NegotiationId, 1, proposal.Allocation, DateTimeOffset.UtcNow));
        var released = await service.Probe.WaitForEventAsync<ShadowReleased>(proposal.NegotiationId, Timeout);

        Assert.Equal(configured.ShadowId, released.ShadowId);
        Assert.Equal(1, released.Attempt);
        Assert.Equal(proposal.Allocation, released.Allocation);
        Assert.Equal(claimed.ClaimedAt, released.ClaimedAt);
        Assert.True(released.ReleasedAt >= released.ClaimedAt);
        await WaitForShadowCountAsync(proposal.NegotiationId, 0);
    }

    [Fact]
    public async Task Validation_failure_releases_only_that_attempt()
    {
        var first = Proposal("redis:7", new ResourceAllocation(250, 64));
        await PublishEventAsync(first.NegotiationId, first);
        var firstShadow = await service.Probe.WaitForEventAsync<ShadowConfigured>(first.NegotiationId, Timeout);
        var second = first with { Attempt = 2, Allocation = new ResourceAllocation(500, 128) };
        await PublishEventAsync(second.NegotiationId, second);
        var secondShadow = await service.Probe.WaitForEventAsync<ShadowConfigured>(first.NegotiationId, Timeout, configured => configured.Attempt == 2);

        await PublishEventAsync(first.NegotiationId, FailedValidation(first.NegotiationId, 1, firstShadow.ShadowId));
        var released = await service.Probe.WaitForEventAsync<ShadowReleased>(first.NegotiationId, Timeout);

        Assert.Equal(firstShadow.ShadowId, released.ShadowId);
        Assert.Equal(1, released.Attempt);
        Assert.Equal(first.Allocation, released.Allocation);
        var remaining = Assert.Single(await WaitForShadowCountAsync(first.NegotiationId, 1));
        Assert.Equal(secondShadow.ShadowId, remaining.ID);
    }

    [Fact]
    public async Task Negotiation_failure_releases_every_shadow_once()
    {
        var first = Proposal("redis:7", new ResourceAllocation(250, 64));
        await PublishEventAsync(first.NegotiationId, first);
        var firstShadow = await service.Probe.WaitForEventAsync<ShadowConfigured>(first.NegotiationId, Timeout);
        await PublishEventAsync(first.NegotiationId, FailedValidation(first.NegotiationId, 1, firstShadow.ShadowId));
        await service.Probe.WaitForEventAsync<ShadowReleased>(first.NegotiationId, Timeout);
        var second = first with { Attempt = 2, Allocation = new ResourceAllocation(500, 128) };
        await PublishEventAsync(second.NegotiationId, second);
        var secondShadow = await service.Probe.WaitForEventAsync<ShadowConfigured>(first.NegotiationId, Timeout, configured => configured.Attempt == 2);

        var failed = new NegotiationFailed(first.NegotiationId, 2, "validation kept failing", DateTimeOffset.UtcNow);
        var messageId = await PublishEventAsync(first.NegotiationId, failed);
        await service.Consumed.WaitForAsync(messageId, times: 1, Timeout);

        var releases = (await service.Probe.ReadStreamAsync(first.NegotiationId)).OfType<ShadowReleased>().ToList();
        Assert.Equal([firstShadow.ShadowId, secondShadow.ShadowId], releases.Select(release => release.ShadowId));
        Assert.Equal(new ResourceAllocation(500, 128), releases[1].Allocation);
        await WaitForShadowCountAsync(first.NegotiationId, 0);
    }

    [Fact]
    public async Task Concurrent_release_messages_record_shadow_once()
    {
        var proposal = Proposal("redis:7", new ResourceAllocation(250, 64));
        await PublishEventAsync(proposal.NegotiationId, proposal);
        var shadow = await service.Probe.WaitForEventAsync<ShadowConfigured>(proposal.NegotiationId, Timeout);

        // Both messages release the same shadow; delivered at once, each reads a stream without a release.
        var failed = FailedValidation(proposal.NegotiationId, 1, shadow.ShadowId);
        var ended = new NegotiationFailed(proposal.NegotiationId, 1, "validation failed", DateTimeOffset.UtcNow);
        await service.Probe.AppendAsync(proposal.NegotiationId, failed, ended);
        var failedId = Guid.NewGuid();
        var endedId = Guid.NewGuid();
        await Task.WhenAll(service.Bus.PublishAsync(failed, failedId), service.Bus.PublishAsync(ended, endedId));
        await service.Consumed.WaitForAsync(failedId, times: 1, Timeout);
        await service.Consumed.WaitForAsync(endedId, times: 1, Timeout);

        var releases = (await service.Probe.ReadStreamAsync(proposal.NegotiationId)).OfType<ShadowReleased>().ToList();
        var release = Assert.Single(releases);
        Assert.Equal(shadow.ShadowId, release.ShadowId);
        await WaitForShadowCountAsync(proposal.NegotiationId, 0);
    }

    [Fact]
    public async Task Unmapped_image_records_unavailable_without_container()
    {
        var proposal = Proposal("gcr.io/example/unmapped-app:1", new ResourceAllocation(250, 128));

        await PublishEventAsync(proposal.NegotiationId, proposal);
        var unavailable = await service.Probe.WaitForEventAsync<ShadowUnavailable>(proposal.NegotiationId, Timeout);

        Assert.Equal(1, unavailable.Attempt);
        Assert.Contains("image 'gcr.io/example/unmapped-app:1' has no local stand-in", unavailable.Reason, StringComparison.Ordinal);
        Assert.Contains("Shadows:Images", unavailable.Reason, StringComparison.Ordinal);
        var events = await service.Probe.ReadStreamAsync(proposal.NegotiationId);
        Assert.Empty(events.OfType<ShadowClaimed>());
        Assert.Empty(await ShadowDocker.ListShadowsAsync(proposal.NegotiationId));
    }

    [Fact]
    public async Task Memory_below_docker_minimum_records_engine_message()
    {
        var proposal = Proposal("redis:7", new ResourceAllocation(250, 4));

        await PublishEventAsync(proposal.NegotiationId, proposal);
        var unavailable = await service.Probe.WaitForEventAsync<ShadowUnavailable>(proposal.NegotiationId, Timeout);

        Assert.Contains("Minimum memory limit allowed is 6MB", unavailable.Reason, StringComparison.Ordinal);
        Assert.Empty(await ShadowDocker.ListShadowsAsync(proposal.NegotiationId));
    }

    [Fact]
    public async Task Proposal_after_negotiation_ended_gets_no_shadow()
    {
        var proposal = Proposal("redis:7", new ResourceAllocation(250, 128));
        await service.Probe.AppendAsync(proposal.NegotiationId, new NegotiationFailed(proposal.NegotiationId, 1, "cancelled", DateTimeOffset.UtcNow));

        var messageId = Guid.NewGuid();
        await service.Bus.PublishAsync(proposal, messageId);
        await service.Consumed.WaitForAsync(messageId, times: 1, Timeout);

        var events = await service.Probe.ReadStreamAsync(proposal.NegotiationId);
        Assert.IsType<NegotiationFailed>(Assert.Single(events));
        Assert.Empty(await ShadowDocker.ListShadowsAsync(proposal.NegotiationId));
    }

    /// <summary>
    /// Appends <paramref name="event"/> to the stream and publishes it with a new message id, as the
    /// Negotiator's relay does after the commit. Returns the message id.
    /// </summary>
    private async Task<Guid> PublishEventAsync<T>(Guid negotiationId, T @event)
        where T : class
    {
        await service.Probe.AppendAsync(negotiationId, @event);
        var messageId = Guid.NewGuid();
        await service.Bus.PublishAsync(@event, messageId);
        return messageId;
    }

    /// <summary>
    /// Waits until the negotiation has <paramref name="count"/> shadows and returns them. The service
    /// records a release before it removes the container, so removal can lag the event briefly.
    /// </summary>
    private static async Task<IList<ContainerListResponse>> WaitForShadowCountAsync(Guid negotiationId, int count)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        var shadows = await ShadowDocker.ListShadowsAsync(negotiationId);
        while (shadows.Count != count)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"negotiation {negotiationId} still has {shadows.Count} shadows after {Timeout}, expected {count}");
            await Task.Delay(200);
            shadows = await ShadowDocker.ListShadowsAsync(negotiationId);
        }

        return shadows;
    }

    private AllocationProposed Proposal(string image, ResourceAllocation allocation)
    {
        var negotiationId = Guid.NewGuid();
        negotiations.Add(negotiationId);
        var container = new ContainerSpec(
            "main", image, null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);
        return new AllocationProposed(negotiationId, 1, allocation, "test allocation", WorkloadProfile.Cache, container);
    }

    private static ValidationFailed FailedValidation(Guid negotiationId, int attempt, string shadowId) =>
        new(negotiationId, attempt, shadowId, ValidationFailure.OutOfMemory, ["peak memory reached the limit"],
            new ValidationMeasurements(true, false, true, 1, 64, 137, null, 0, 10, 5));
}
