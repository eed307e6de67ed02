using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using Microsoft.AspNetCore.Builder;

namespace EventShadow.IntegrationTests.Negotiator;

/// <summary>
/// The negotiation saga on real RabbitMQ and PostgreSQL: trial results are published the way the
/// event relay publishes them, and the saga's decisions are read back from the event stream.
/// </summary>
public sealed class NegotiationSagaTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private TestServices infrastructure = null!;
    private WebApplication negotiator = null!;
    private TestBus bus = null!;
    private EventStoreProbe eventStore = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        negotiator = NegotiatorApplication.Build(infrastructure.ServiceArguments(
            "--Negotiation:MaxAttempts=3", "--EventStore:PollingMilliseconds=100", SourceTree.ContentRootArgument("Negotiator")));
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
    public async Task Saga_proposes_renegotiates_and_commits()
    {
        var id = await StartNegotiationAsync();
        var first = await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout);
        Assert.Equal(1, first.Attempt);
        Assert.Equal(new ResourceAllocation(250, 256), first.Allocation);

        await bus.PublishAsync(OutOfMemory(id, attempt: 1, first.Allocation), Guid.NewGuid());
        var second = await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout, proposal => proposal.Attempt == 2);
        Assert.Equal(512, second.Allocation.MemoryMiB);
        Assert.Contains("OOM-killed", second.Rationale, StringComparison.Ordinal);

        await bus.PublishAsync(Passed(id, attempt: 2), Guid.NewGuid());
        var committed = await eventStore.WaitForEventAsync<AllocationCommitted>(id, Timeout);
        Assert.Equal(2, committed.Attempt);
        Assert.Equal(second.Allocation, committed.Allocation);
    }

    [Fact]
    public async Task Saga_ignores_stale_and_late_results()
    {
        var id = await StartNegotiationAsync();
        var first = await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout);
        await bus.PublishAsync(OutOfMemory(id, attempt: 1, first.Allocation), Guid.NewGuid());
        await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout, proposal => proposal.Attempt == 2);

        // A pass for the superseded attempt 1 must not commit attempt 2's allocation.
        await bus.PublishAsync(Passed(id, attempt: 1), Guid.NewGuid());
        await bus.PublishAsync(Passed(id, attempt: 2), Guid.NewGuid());
        await eventStore.WaitForEventAsync<AllocationCommitted>(id, Timeout);

        // Results after the end change nothing.
        await bus.PublishAsync(OutOfMemory(id, attempt: 2, new ResourceAllocation(250, 512)), Guid.NewGuid());
        await bus.PublishAsync(Passed(id, attempt: 2), Guid.NewGuid());
        await Task.Delay(TimeSpan.FromSeconds(2));

        var events = await eventStore.ReadStreamAsync(id);
        var committed = Assert.Single(events.OfType<AllocationCommitted>());
        Assert.Equal(2, committed.Attempt);
        Assert.Equal(2, events.OfType<AllocationProposed>().Count());
        Assert.Empty(events.OfType<NegotiationFailed>());
    }

    [Fact]
    public async Task Saga_renegotiates_once_for_concurrent_duplicates()
    {
        var id = await StartNegotiationAsync();
        var first = await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout);

        // The same failure delivered ten times at once, each with its own message id.
        var failure = OutOfMemory(id, attempt: 1, first.Allocation);
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => bus.PublishAsync(failure, Guid.NewGuid())));

        await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout, proposal => proposal.Attempt == 2);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var proposals = (await eventStore.ReadStreamAsync(id)).OfType<AllocationProposed>().ToList();
        Assert.Equal([1, 2], proposals.Select(proposal => proposal.Attempt));
    }

    [Fact]
    public async Task Saga_fails_when_attempts_run_out()
    {
        var id = await StartNegotiationAsync();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var proposal = await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout, p => p.Attempt == attempt);
            await bus.PublishAsync(OutOfMemory(id, attempt, proposal.Allocation), Guid.NewGuid());
        }

        var failed = await eventStore.WaitForEventAsync<NegotiationFailed>(id, Timeout);
        Assert.Equal(3, failed.Attempt);
        Assert.Contains("no attempts are left", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Saga_fails_when_no_shadow_is_available()
    {
        var id = await StartNegotiationAsync();
        await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout);

        await bus.PublishAsync(new ShadowUnavailable(id, 1, "image 'example/unknown:1' has no local stand-in"), Guid.NewGuid());

        var failed = await eventStore.WaitForEventAsync<NegotiationFailed>(id, Timeout);
        Assert.Contains("example/unknown:1", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Saga_fails_on_exit_without_renegotiating()
    {
        var id = await StartNegotiationAsync();
        await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout);

        var exited = new ValidationFailed(id, 1, "shadow", ValidationFailure.Exited, ["the workload exited with code 3"], Measurements(oomKilled: false, exitCode: 3));
        await bus.PublishAsync(exited, Guid.NewGuid());

        var failed = await eventStore.WaitForEventAsync<NegotiationFailed>(id, Timeout);
        Assert.Contains("exited with code 3", failed.Reason, StringComparison.Ordinal);
        Assert.Single((await eventStore.ReadStreamAsync(id)).OfType<AllocationProposed>());
    }

    /// <summary>
    /// Appends what <c>POST /negotiate</c> appends for a Redis container without resources.
    /// </summary>
    private async Task<Guid> StartNegotiationAsync()
    {
        var id = Guid.CreateVersion7();
        var container = new ContainerSpec("redis", "redis:7", null, null, new Dictionary<string, string>(), ResourceBounds.None, ResourceBounds.None);
        await eventStore.AppendAsync(id,
            new PartialTaskSubmitted(id, "Deployment/redis/redis", "test", "kubernetes", container, DateTimeOffset.UtcNow),
            new RequirementsAnalyzed(id, "Deployment/redis/redis", WorkloadProfile.Cache, container, []));
        return id;
    }

    private static ValidationMeasurements Measurements(bool oomKilled, int? exitCode = null) =>
        new(true, !oomKilled, oomKilled, oomKilled ? 2 : 0, 200, exitCode, null, 0, 10, 3);

    private static ValidationFailed OutOfMemory(Guid id, int attempt, ResourceAllocation allocation) =>
        new(id, attempt, "shadow", ValidationFailure.OutOfMemory,
            [$"the kernel killed 2 processes for exceeding the {allocation.MemoryMiB} MiB memory limit"],
            Measurements(oomKilled: true));

    private static ValidationPassed Passed(Guid id, int attempt) => new(id, attempt, "shadow", Measurements(oomKilled: false));
}
