using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.EndToEnd;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EventShadow.IntegrationTests.Negotiator;

/// <summary>
/// The negotiation engine on real RabbitMQ and PostgreSQL: pool capacity under concurrency, leases,
/// recommendations from usage history and durable deadlines. Trial results are published the way
/// the event relay publishes them; no PoolManager or Validator runs.
/// </summary>
public sealed class NegotiationEngineTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly List<WebApplication> negotiators = [];
    private TestServices infrastructure = null!;
    private TestBus bus = null!;
    private EventStoreProbe eventStore = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        bus = await TestBus.StartAsync(infrastructure.RabbitMq);
        eventStore = new EventStoreProbe(infrastructure.Schema);
    }

    public async Task DisposeAsync()
    {
        await bus.DisposeAsync();
        foreach (var negotiator in negotiators)
        {
            await negotiator.StopAsync();
            await negotiator.DisposeAsync();
        }

        await eventStore.DisposeAsync();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_negotiations_never_exceed_pool_capacity()
    {
        // Room for exactly ten first proposals of a cache (250m, 256 MiB each).
        var api = await StartNegotiatorAsync("--ResourcePools:Pools:0:CpuMillicores=100000", "--ResourcePools:Pools:0:MemoryMiB=2560");
        var ids = Enumerable.Range(0, 200).Select(_ => Guid.CreateVersion7()).ToList();

        await Task.WhenAll(ids.Select(id => StartNegotiationAsync(id, Redis)));
        var outcomes = await Task.WhenAll(ids.Select(id => eventStore.WaitForAsync(
            id, events => events.OfType<AllocationProposed>().Any() || events.OfType<NegotiationFailed>().Any(), Timeout)));

        var proposals = outcomes.SelectMany(events => events.OfType<AllocationProposed>()).ToList();
        var rejections = outcomes.SelectMany(events => events.OfType<NegotiationFailed>()).ToList();
        Assert.Equal(10, proposals.Count);
        Assert.Equal(190, rejections.Count);
        Assert.True(proposals.Sum(proposal => proposal.Allocation.MemoryMiB) <= 2560);
        Assert.All(rejections, failed => Assert.StartsWith("No resource pool has room for 250m CPU, 256 MiB", failed.Reason, StringComparison.Ordinal));
        Assert.Contains("nothing fits until capacity is released or leases expire", rejections[0].Reason, StringComparison.OrdinalIgnoreCase);

        var pool = await CapacityAsync(api);
        Assert.Equal(2560, pool.GetProperty("leased").GetProperty("memoryMiB").GetInt64());
        Assert.Equal(0, pool.GetProperty("free").GetProperty("memoryMiB").GetInt64());
        Assert.Equal(10, pool.GetProperty("negotiations").GetInt32());
    }

    [Fact]
    public async Task Committed_capacity_holds_until_released()
    {
        var api = await StartNegotiatorAsync("--ResourcePools:Pools:0:MemoryMiB=300");
        var first = Guid.CreateVersion7();
        await StartNegotiationAsync(first, Redis);
        await eventStore.WaitForEventAsync<AllocationProposed>(first, Timeout);
        await bus.PublishAsync(Passed(first, 1), Guid.NewGuid());
        var committed = await eventStore.WaitForEventAsync<AllocationCommitted>(first, Timeout);
        Assert.Equal("default", committed.Pool);

        var second = Guid.CreateVersion7();
        await StartNegotiationAsync(second, Redis);
        var rejected = await eventStore.WaitForEventAsync<NegotiationFailed>(second, Timeout);
        Assert.StartsWith("No resource pool has room", rejected.Reason, StringComparison.Ordinal);
        Assert.Contains("Rationale of the proposal: ", rejected.Reason, StringComparison.Ordinal);

        using var release = await api.PostAsync($"/negotiation/{first}/release", content: null);
        Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        await eventStore.WaitForEventAsync<AllocationReleased>(first, Timeout);
        using var again = await api.PostAsync($"/negotiation/{first}/release", content: null);
        var repeat = await again.Content.ReadFromJsonAsync<JsonElement>(RunningSystem.Json);
        Assert.True(repeat.GetProperty("alreadyReleased").GetBoolean());

        var third = Guid.CreateVersion7();
        await StartNegotiationAsync(third, Redis);
        await eventStore.WaitForEventAsync<AllocationProposed>(third, Timeout);
    }

    [Fact]
    public async Task Shrunk_pool_shows_nothing_free()
    {
        await StartNegotiatorAsync("--ResourcePools:Pools:0:MemoryMiB=600");
        var id = Guid.CreateVersion7();
        await StartNegotiationAsync(id, Redis);
        await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout);
        await bus.PublishAsync(Passed(id, 1), Guid.NewGuid());
        await eventStore.WaitForEventAsync<AllocationCommitted>(id, Timeout);

        var shrunk = await StartNegotiatorAsync("--ResourcePools:Pools:0:MemoryMiB=200");
        var pool = await CapacityAsync(shrunk);

        Assert.Equal(200, pool.GetProperty("capacity").GetProperty("memoryMiB").GetInt64());
        Assert.Equal(256, pool.GetProperty("committed").GetProperty("memoryMiB").GetInt64());
        Assert.Equal(0, pool.GetProperty("free").GetProperty("memoryMiB").GetInt64());
    }

    [Fact]
    public async Task Release_of_open_negotiation_is_rejected()
    {
        var api = await StartNegotiatorAsync();
        var id = Guid.CreateVersion7();
        await StartNegotiationAsync(id, Redis);
        await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout);

        using var response = await api.PostAsync($"/negotiation/{id}/release", content: null);
        using var unknown = await api.PostAsync($"/negotiation/{Guid.NewGuid()}/release", content: null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Expired_lease_frees_capacity()
    {
        await StartNegotiatorAsync("--ResourcePools:Pools:0:MemoryMiB=300", "--ResourcePools:LeaseSeconds=10");
        var first = Guid.CreateVersion7();
        await StartNegotiationAsync(first, Redis);
        await eventStore.WaitForEventAsync<AllocationProposed>(first, Timeout);

        await Task.Delay(TimeSpan.FromSeconds(11));
        var second = Guid.CreateVersion7();
        await StartNegotiationAsync(second, Redis);

        await eventStore.WaitForEventAsync<AllocationProposed>(second, Timeout);
    }

    [Fact]
    public async Task Next_negotiation_starts_from_measured_usage()
    {
        await StartNegotiatorAsync();
        var first = Guid.CreateVersion7();
        await StartNegotiationAsync(first, MemoryHog);
        var firstProposal = await eventStore.WaitForEventAsync<AllocationProposed>(first, Timeout);
        Assert.Equal(256, firstProposal.Allocation.MemoryMiB);

        await bus.PublishAsync(OutOfMemory(first, 1, firstProposal.Allocation), Guid.NewGuid());
        await eventStore.WaitForEventAsync<AllocationProposed>(first, Timeout, proposal => proposal.Attempt == 2);
        await bus.PublishAsync(Passed(first, 2, peakMiB: 307.3), Guid.NewGuid());
        var committed = await eventStore.WaitForEventAsync<AllocationCommitted>(first, Timeout);
        Assert.Equal(360, committed.Allocation.MemoryMiB);
        Assert.Contains("peak of 307.3 MiB", committed.Rationale, StringComparison.Ordinal);

        // The usage history is an asynchronous projection; the next negotiation of the same workload reads it.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var second = Guid.CreateVersion7();
        await StartNegotiationAsync(second, MemoryHog);
        var secondProposal = await eventStore.WaitForEventAsync<AllocationProposed>(second, Timeout);

        Assert.Equal(360, secondProposal.Allocation.MemoryMiB);
        Assert.Contains("1 earlier trial of this workload", secondProposal.Rationale, StringComparison.Ordinal);
        Assert.Contains("95th percentile peak 307 MiB", secondProposal.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attempt_without_result_fails_at_deadline()
    {
        await StartNegotiatorAsync("--Negotiation:AttemptTimeoutSeconds=10", "--Negotiation:DeadlineCheckSeconds=1");
        var id = Guid.CreateVersion7();
        await StartNegotiationAsync(id, Redis);

        var failed = await eventStore.WaitForEventAsync<NegotiationFailed>(id, Timeout);

        Assert.Contains("got no trial result within 10 s", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_of_failed_negotiation_names_failed()
    {
        var api = await StartNegotiatorAsync("--Negotiation:AttemptTimeoutSeconds=10", "--Negotiation:DeadlineCheckSeconds=1");
        var id = Guid.CreateVersion7();
        await StartNegotiationAsync(id, Redis);
        await eventStore.WaitForEventAsync<NegotiationFailed>(id, Timeout);

        var response = await ReleaseWhenSagaEndedAsync(api, id);

        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        Assert.Contains($"Negotiation {id} is Failed;", response.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deadline_survives_negotiator_restart()
    {
        var first = await StartNegotiatorAsync("--Negotiation:AttemptTimeoutSeconds=10", "--Negotiation:DeadlineCheckSeconds=1");
        var id = Guid.CreateVersion7();
        await StartNegotiationAsync(id, Redis);
        await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout);

        var running = negotiators[^1];
        await running.StopAsync();
        await running.DisposeAsync();
        negotiators.Remove(running);
        first.Dispose();
        await Task.Delay(TimeSpan.FromSeconds(11));
        Assert.Empty((await eventStore.ReadStreamAsync(id)).OfType<NegotiationFailed>());

        await StartNegotiatorAsync("--Negotiation:AttemptTimeoutSeconds=10", "--Negotiation:DeadlineCheckSeconds=1");
        var failed = await eventStore.WaitForEventAsync<NegotiationFailed>(id, Timeout);

        Assert.Contains("got no trial result", failed.Reason, StringComparison.Ordinal);
    }

    private static readonly ContainerSpec Redis =
        new("redis", "redis:7", null, null, new Dictionary<string, string>(), ResourceBounds.None, ResourceBounds.None);

    private static readonly ContainerSpec MemoryHog =
        new("stress", "colinianking/stress-ng:latest", null, ["--vm", "1", "--vm-bytes", "300M", "--vm-keep"],
            new Dictionary<string, string>(), ResourceBounds.None, ResourceBounds.None);

    /// <summary>
    /// Asks to release an ended negotiation until the saga, saved apart from the event, has ended too.
    /// Returns the last response's status and problem detail.
    /// </summary>
    private static async Task<(HttpStatusCode Status, string Detail)> ReleaseWhenSagaEndedAsync(HttpClient api, Guid id)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (true)
        {
            using var response = await api.PostAsync($"/negotiation/{id}/release", content: null);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(RunningSystem.Json);
            var detail = problem.TryGetProperty("detail", out var text) ? text.GetString() ?? "" : "";
            if (!detail.Contains("is Proposed;", StringComparison.Ordinal) && !detail.Contains("is Validating;", StringComparison.Ordinal) ||
                DateTimeOffset.UtcNow > deadline)
            {
                return (response.StatusCode, detail);
            }

            await Task.Delay(200);
        }
    }

    private async Task<HttpClient> StartNegotiatorAsync(params string[] settings)
    {
        var negotiator = NegotiatorApplication.Build(infrastructure.ServiceArguments(
            [SourceTree.ContentRootArgument("Negotiator"), "--EventStore:PollingMilliseconds=100", .. settings]));
        await negotiator.StartAsync();
        negotiators.Add(negotiator);

        var address = negotiator.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return TestServices.CreateApiClient(address, TimeSpan.FromSeconds(100));
    }

    /// <summary>Appends what <c>POST /negotiate</c> appends for <paramref name="container"/>.</summary>
    private Task StartNegotiationAsync(Guid id, ContainerSpec container)
    {
        var profile = container.Image.StartsWith("redis", StringComparison.Ordinal) ? WorkloadProfile.Cache : WorkloadProfile.Batch;
        var task = $"Deployment/{container.Name}/{container.Name}";
        return eventStore.AppendAsync(id,
            new PartialTaskSubmitted(id, task, "test", "kubernetes", container, DateTimeOffset.UtcNow),
            new RequirementsAnalyzed(id, task, profile, container, []));
    }

    private static async Task<JsonElement> CapacityAsync(HttpClient api)
    {
        var pools = await api.GetFromJsonAsync<JsonElement>("/capacity", RunningSystem.Json);
        return pools.EnumerateArray().Single(pool => pool.GetProperty("pool").GetString() == "default");
    }

    private static ValidationMeasurements Measurements(bool oomKilled, double peakMiB) =>
        new(true, !oomKilled, oomKilled, oomKilled ? 2 : 0, peakMiB, null, null, 0, 10, 3);

    private static ValidationFailed OutOfMemory(Guid id, int attempt, ResourceAllocation allocation) =>
        new(id, attempt, "shadow", ValidationFailure.OutOfMemory, ["the kernel killed 2 processes"], Measurements(oomKilled: true, allocation.MemoryMiB));

    private static ValidationPassed Passed(Guid id, int attempt, double peakMiB = 20) =>
        new(id, attempt, "shadow", Measurements(oomKilled: false, peakMiB));
}
