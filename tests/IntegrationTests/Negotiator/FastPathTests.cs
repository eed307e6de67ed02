using System.Net.Http.Json;
using System.Text.Json;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.EndToEnd;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using EventShadow.Negotiator.History;
using EventShadow.Negotiator.Pools;
using Marten;
using MassTransit;
using Npgsql;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EventShadow.IntegrationTests.Negotiator;

/// <summary>
/// The fast path on real RabbitMQ and PostgreSQL: a workload whose usage history is trusted commits
/// without a shadow trial, one without history runs the trial. Trial results are published the way
/// the event relay publishes them; no PoolManager or Validator runs.
/// </summary>
public sealed class FastPathTests : IAsyncLifetime
{
    private const int RefreshEvery = 2;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly ContainerSpec Redis =
        new("redis", "redis:7", null, null, new Dictionary<string, string>(), ResourceBounds.None, ResourceBounds.None);

    private static readonly ContainerSpec OtherRedis =
        new("redis", "redis:7", null, ["redis-server", "--save", ""], new Dictionary<string, string>(), ResourceBounds.None, ResourceBounds.None);

    // The workload of OtherRedis as a manifest; TestManifests.RedisPod is that of Redis.
    private const string OtherRedisPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: cache
        spec:
          containers:
            - name: redis
              image: redis:7
              args: ["redis-server", "--save", ""]
        """;

    // Messages the saga's queue moved to its skipped queue, as it does with a message nothing consumed.
    private int skippedRequirements;

    private WebApplication negotiator = null!;
    private HttpClient api = null!;
    private TestServices infrastructure = null!;
    private TestBus bus = null!;
    private EventStoreProbe eventStore = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        bus = await TestBus.StartAsync(infrastructure.RabbitMq, rabbit =>
            rabbit.ReceiveEndpoint("negotiation-state_skipped", endpoint =>
            {
                endpoint.ConfigureConsumeTopology = false;
                endpoint.Handler<RequirementsAnalyzed>(_ =>
                {
                    Interlocked.Increment(ref skippedRequirements);
                    return Task.CompletedTask;
                });
            }));
        eventStore = new EventStoreProbe(infrastructure.Schema);

        // Every second trusted negotiation of a workload runs a refresh trial, with no wait between them.
        negotiator = NegotiatorApplication.Build(infrastructure.ServiceArguments(
            [SourceTree.ContentRootArgument("Negotiator"), "--EventStore:PollingMilliseconds=50",
             $"--Negotiation:FastPath:RefreshEvery={RefreshEvery}", "--Negotiation:FastPath:RefreshMinIntervalSeconds=0"]));
        await negotiator.StartAsync();
        var address = negotiator.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        api = TestServices.CreateApiClient(address);
    }

    public async Task DisposeAsync()
    {
        api.Dispose();
        await bus.DisposeAsync();
        await negotiator.StopAsync();
        await negotiator.DisposeAsync();
        await eventStore.DisposeAsync();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Trusted_history_commits_without_trial()
    {
        await BuildTrustAsync();

        var id = Guid.CreateVersion7();
        await StartNegotiationAsync(id, Redis);
        var committed = await eventStore.WaitForEventAsync<AllocationCommitted>(id, Timeout);

        Assert.True(committed.WithoutTrial);
        Assert.Equal(0, committed.Attempt);
        Assert.Equal(new ResourceAllocation(250, 256), committed.Allocation);
        Assert.StartsWith("Committed from 3 validated runs of this workload, no trial", committed.Rationale, StringComparison.Ordinal);
        Assert.Empty((await eventStore.ReadStreamAsync(id)).OfType<AllocationProposed>());

        var view = await api.GetFromJsonAsync<JsonElement>($"/negotiation/{id}", RunningSystem.Json);
        Assert.Equal("Committed", view.GetProperty("status").GetString());
        Assert.True(view.GetProperty("committedWithoutTrial").GetBoolean());
        Assert.Equal(0, view.GetProperty("attempts").GetArrayLength());
        Assert.Equal("default", view.GetProperty("pool").GetString());

        // No CostLedger runs here, so the commitment is never priced and the view must not call it settled.
        Assert.False(view.GetProperty("settled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("cost").GetProperty("committedPerHour").ValueKind);

        var pools = await api.GetFromJsonAsync<JsonElement>("/capacity", RunningSystem.Json);
        var pool = pools.EnumerateArray().Single(entry => entry.GetProperty("pool").GetString() == "default");
        Assert.Equal(4 * 256, pool.GetProperty("committed").GetProperty("memoryMiB").GetInt64());
    }

    [Fact]
    public async Task Clamped_limit_commits_from_trusted_history()
    {
        await BuildTrustAsync();

        // The same workload with a memory limit above Negotiation:MaxMemoryMiB (8192 MiB): the limit is
        // an upper bound, so 8192 MiB honours it, and the history that passed with far less trusts it.
        var limited = Redis with { Limits = new ResourceBounds(null, 16384) };
        var id = Guid.CreateVersion7();
        await StartNegotiationAsync(id, limited);
        var committed = await eventStore.WaitForEventAsync<AllocationCommitted>(id, Timeout);

        Assert.True(committed.WithoutTrial);
        Assert.Equal(new ResourceAllocation(250, 8192), committed.Allocation);
        Assert.StartsWith("Committed from 3 validated runs of this workload, no trial", committed.Rationale, StringComparison.Ordinal);
        Assert.Contains(
            "memory 16384 MiB from the manifest's limit, clamped to the maximum of 8192 MiB (Negotiation:MaxMemoryMiB)",
            committed.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workload_without_history_runs_trial()
    {
        await BuildTrustAsync();

        // Same image and profile, other arguments: another workload, which has no history of its own.
        var id = Guid.CreateVersion7();
        await StartNegotiationAsync(id, OtherRedis);
        var proposed = await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout);

        Assert.Equal(1, proposed.Attempt);
        Assert.Empty((await eventStore.ReadStreamAsync(id)).OfType<AllocationCommitted>());
    }

    [Fact]
    public async Task Refresh_trial_records_usage()
    {
        await BuildTrustAsync();

        var first = Guid.CreateVersion7();
        await StartNegotiationAsync(first, Redis);
        Assert.True((await eventStore.WaitForEventAsync<AllocationCommitted>(first, Timeout)).WithoutTrial);

        // The second trusted negotiation is tried in a shadow, and its trial adds to the history.
        var refreshed = Guid.CreateVersion7();
        await StartNegotiationAsync(refreshed, Redis);
        var proposed = await eventStore.WaitForEventAsync<AllocationProposed>(refreshed, Timeout);
        Assert.Equal(1, proposed.Attempt);
        Assert.Contains("refresh trial", proposed.Rationale, StringComparison.Ordinal);
        Assert.Contains("Negotiation:FastPath:RefreshEvery", proposed.Rationale, StringComparison.Ordinal);

        await bus.PublishAsync(new ValidationPassed(refreshed, 1, "shadow", Measurements(peakMiB: 13, oomKilled: false)), Guid.NewGuid());
        var committed = await eventStore.WaitForEventAsync<AllocationCommitted>(refreshed, Timeout);
        Assert.False(committed.WithoutTrial);
        Assert.Single((await eventStore.ReadStreamAsync(refreshed)).OfType<UsageRecorded>());
        await WaitForValidatedRunsAsync(Redis, 4);

        var next = Guid.CreateVersion7();
        await StartNegotiationAsync(next, Redis);
        var nextCommitted = await eventStore.WaitForEventAsync<AllocationCommitted>(next, Timeout);
        Assert.True(nextCommitted.WithoutTrial);
        Assert.StartsWith("Committed from 4 validated runs of this workload, no trial", nextCommitted.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_trial_ends_trust_after_drift()
    {
        await BuildTrustAsync();

        var first = Guid.CreateVersion7();
        await StartNegotiationAsync(first, Redis);
        Assert.True((await eventStore.WaitForEventAsync<AllocationCommitted>(first, Timeout)).WithoutTrial);

        // The workload now needs more than its old runs did: the refresh trial is OOM-killed.
        var refreshed = Guid.CreateVersion7();
        await StartNegotiationAsync(refreshed, Redis);
        Assert.Equal(1, (await eventStore.WaitForEventAsync<AllocationProposed>(refreshed, Timeout)).Attempt);
        await bus.PublishAsync(
            new ValidationFailed(refreshed, 1, "shadow", ValidationFailure.OutOfMemory, ["OOM-killed at 256 MiB"], Measurements(peakMiB: 256, oomKilled: true)),
            Guid.NewGuid());
        await WaitForSamplesAsync(Redis, 4);

        // History shows the kill, so the next negotiation is tried instead of committed from the old runs,
        // and its rationale gives the reason.
        var next = Guid.CreateVersion7();
        await StartNegotiationAsync(next, Redis);
        var nextProposed = await eventStore.WaitForEventAsync<AllocationProposed>(next, Timeout);
        Assert.Equal(1, nextProposed.Attempt);
        Assert.DoesNotContain("refresh trial", nextProposed.Rationale, StringComparison.Ordinal);
        Assert.Contains("Not committed from history: a trial among the latest 3 of this workload failed", nextProposed.Rationale, StringComparison.Ordinal);
        Assert.Empty((await eventStore.ReadStreamAsync(next)).OfType<AllocationCommitted>());
    }

    [Fact]
    public async Task Trusted_submission_commits_in_its_response()
    {
        await BuildTrustAsync();
        var committedBefore = await CommittedMemoryMiBAsync();

        var task = await SubmitAsync(TestManifests.RedisPod);

        // The response carries the allocation, and the stream contains it: no message had to reach the saga.
        Assert.Equal(256, task.GetProperty("allocation").GetProperty("memoryMiB").GetInt32());
        Assert.Equal(250, task.GetProperty("allocation").GetProperty("cpuMillicores").GetInt32());
        Assert.Equal("default", task.GetProperty("pool").GetString());
        var id = task.GetProperty("id").GetGuid();
        var stream = await eventStore.ReadStreamAsync(id);
        Assert.IsType<PartialTaskSubmitted>(stream[0]);
        Assert.IsType<RequirementsAnalyzed>(stream[1]);
        var committed = Assert.IsType<AllocationCommitted>(stream[2]);
        Assert.True(committed.WithoutTrial);
        Assert.StartsWith("Committed from 3 validated runs of this workload, no trial", committed.Rationale, StringComparison.Ordinal);
        Assert.Equal(committedBefore + 256, await CommittedMemoryMiBAsync());

        // The saga receives the requirements after the commit and leaves the negotiation as it is.
        var later = Guid.CreateVersion7();
        await StartNegotiationAsync(later, OtherRedis);
        await eventStore.WaitForEventAsync<AllocationProposed>(later, Timeout);
        await WaitForViewStatusAsync(id, "Committed");
        Assert.Equal(3, (await eventStore.ReadStreamAsync(id)).Count);
        Assert.Equal(0, Volatile.Read(ref skippedRequirements));
        Assert.Equal(committedBefore + 256, await CommittedMemoryMiBAsync());

        var release = await api.PostAsync($"/negotiation/{id}/release", content: null);
        Assert.True(release.IsSuccessStatusCode, await release.Content.ReadAsStringAsync());
        Assert.Equal(committedBefore, await CommittedMemoryMiBAsync());
    }

    [Fact]
    public async Task Submitted_refresh_trial_runs_in_saga()
    {
        await BuildTrustAsync();

        var first = await SubmitAsync(TestManifests.RedisPod);
        Assert.Equal(JsonValueKind.Object, first.GetProperty("allocation").ValueKind);

        // The submission counted the second trusted negotiation as its refresh trial. The saga must run
        // that trial, not count the negotiation again and commit it.
        var second = await SubmitAsync(TestManifests.RedisPod);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("allocation").ValueKind);
        var proposed = await eventStore.WaitForEventAsync<AllocationProposed>(second.GetProperty("id").GetGuid(), Timeout);
        Assert.Equal(1, proposed.Attempt);
        Assert.Contains("refresh trial", proposed.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeated_trusted_submission_commits_once()
    {
        await BuildTrustAsync();
        var committedBefore = await CommittedMemoryMiBAsync();

        var id = Guid.CreateVersion7();
        await bus.PublishAsync(new SubmitPartialTask(id, TestManifests.RedisPod, "cache.yaml"), Guid.NewGuid());
        await bus.PublishAsync(new SubmitPartialTask(id, TestManifests.RedisPod, "cache.yaml"), Guid.NewGuid());
        Assert.True((await eventStore.WaitForEventAsync<AllocationCommitted>(id, Timeout)).WithoutTrial);

        // The repeat is recognised by its id, consumed after the first or at the same time.
        var after = Guid.CreateVersion7();
        await bus.PublishAsync(new SubmitPartialTask(after, OtherRedisPod, "other.yaml"), Guid.NewGuid());
        await eventStore.WaitForEventAsync<AllocationProposed>(after, Timeout);
        var stream = await eventStore.ReadStreamAsync(id);
        Assert.Single(stream.OfType<PartialTaskSubmitted>());
        Assert.Single(stream.OfType<AllocationCommitted>());
        Assert.Equal(committedBefore + 256, await CommittedMemoryMiBAsync());
    }

    [Fact]
    public async Task Repeated_messages_count_once_for_refresh()
    {
        await BuildTrustAsync();

        // Ten copies of one message are one negotiation: they must count once towards the refresh
        // trial, and none of them may use it up without running it.
        var id = Guid.CreateVersion7();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => bus.PublishAsync(new SubmitPartialTask(id, TestManifests.RedisPod, "cache.yaml"), Guid.NewGuid())));
        Assert.True((await eventStore.WaitForEventAsync<AllocationCommitted>(id, Timeout)).WithoutTrial);

        var second = await SubmitAsync(TestManifests.RedisPod);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("allocation").ValueKind);
        var proposed = await eventStore.WaitForEventAsync<AllocationProposed>(second.GetProperty("id").GetGuid(), Timeout);
        Assert.Contains("refresh trial", proposed.Rationale, StringComparison.Ordinal);
        Assert.Single((await eventStore.ReadStreamAsync(id)).OfType<PartialTaskSubmitted>());
    }

    [Fact]
    public async Task Release_retried_after_deadlock()
    {
        var store = negotiator.Services.GetRequiredService<IDocumentStore>();
        var ledger = negotiator.Services.GetRequiredService<ResourcePoolLedger>();
        var id = Guid.CreateVersion7();
        await eventStore.AppendAsync(id, new PartialTaskSubmitted(id, "Pod/cache/redis", "test", "kubernetes", Redis, DateTimeOffset.UtcNow));
        var lease = await ledger.LeaseCommittedAsync(new LeaseRequest(id, 0, new ResourceAllocation(250, 256), 0), CancellationToken.None);
        Assert.Equal("default", lease.Pool);

        // Another writer holds the negotiation's stream row and then waits for the pool's lock, which the
        // release holds while it waits for that row. PostgreSQL ends the release's transaction, the one
        // that waited longer, and the release must try again once the other writer is done.
        await using var writer = store.Storage.Database.CreateConnection();
        await writer.OpenAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var lockStream = new NpgsqlCommand(
            $"SELECT id FROM {store.Options.Events.DatabaseSchemaName}.mt_streams WHERE id = @id FOR UPDATE", writer, transaction))
        {
            lockStream.Parameters.AddWithValue("id", id);
            await lockStream.ExecuteScalarAsync();
        }

        var release = ledger.ReleaseCommittedAsync(new AllocationReleased(id, "default", "test", DateTimeOffset.UtcNow), CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        await using (var lockPool = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", writer, transaction))
        {
            lockPool.Parameters.AddWithValue("key", ResourcePoolLedger.LockKey(store.Options.DatabaseSchemaName, "default"));
            await lockPool.ExecuteNonQueryAsync();
        }

        await transaction.RollbackAsync();

        Assert.True(await release.WaitAsync(Timeout));
        Assert.Single((await eventStore.ReadStreamAsync(id)).OfType<AllocationReleased>());
    }

    private static ValidationMeasurements Measurements(double peakMiB, bool oomKilled) =>
        new(true, !oomKilled, oomKilled, oomKilled ? 1 : 0, peakMiB, null, 0.2, 0, 10, 3);

    /// <summary>Runs three passing trials of <see cref="Redis"/>, which makes its history trusted, and waits until history shows them.</summary>
    private async Task BuildTrustAsync()
    {
        for (var run = 0; run < 3; run++)
        {
            await NegotiateWithTrialAsync(Redis, peakMiB: 12.5);
        }

        await WaitForValidatedRunsAsync(Redis, 3);
    }

    /// <summary>Runs one negotiation through a passing trial, as the PoolManager and Validator would report it.</summary>
    private async Task NegotiateWithTrialAsync(ContainerSpec container, double peakMiB)
    {
        var id = Guid.CreateVersion7();
        await StartNegotiationAsync(id, container);
        var proposed = await eventStore.WaitForEventAsync<AllocationProposed>(id, Timeout);
        Assert.Equal(1, proposed.Attempt);

        var measurements = new ValidationMeasurements(true, true, false, 0, peakMiB, null, 0.2, 0, 10, 3);
        await bus.PublishAsync(new ValidationPassed(id, 1, "shadow", measurements), Guid.NewGuid());
        var committed = await eventStore.WaitForEventAsync<AllocationCommitted>(id, Timeout);
        Assert.False(committed.WithoutTrial);
    }

    /// <summary>Waits until the asynchronous usage history contains the workload's validated runs.</summary>
    private Task WaitForValidatedRunsAsync(ContainerSpec container, int runs) =>
        WaitForUsageAsync(container, usage => usage.Samples.Count(sample => sample.Passed) >= runs, $"{runs} validated runs");

    /// <summary>Waits until the asynchronous usage history contains this many trials of the workload, passed or not.</summary>
    private Task WaitForSamplesAsync(ContainerSpec container, int trials) =>
        WaitForUsageAsync(container, usage => usage.Samples.Count >= trials, $"{trials} trials");

    private async Task WaitForUsageAsync(ContainerSpec container, Func<WorkloadUsage, bool> reached, string expected)
    {
        var store = negotiator.Services.GetRequiredService<IDocumentStore>();
        var key = WorkloadKeys.ForContainer(container);
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var session = store.QuerySession();
            var usage = await session.LoadAsync<WorkloadUsage>(key);
            if (usage is not null && reached(usage))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The usage history of {key} did not reach {expected} within {Timeout}.");
    }

    /// <summary>Submits <paramref name="definition"/> through <c>POST /negotiate</c> and returns its one task.</summary>
    private async Task<JsonElement> SubmitAsync(string definition)
    {
        using var content = new StringContent(definition, System.Text.Encoding.UTF8, "application/yaml");
        using var response = await api.PostAsync("/negotiate?source=cache.yaml", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("negotiations").EnumerateArray().ToList());
    }

    private async Task<long> CommittedMemoryMiBAsync()
    {
        var pools = await api.GetFromJsonAsync<JsonElement>("/capacity", RunningSystem.Json);
        var pool = pools.EnumerateArray().Single(entry => entry.GetProperty("pool").GetString() == "default");
        return pool.GetProperty("committed").GetProperty("memoryMiB").GetInt64();
    }

    private async Task WaitForViewStatusAsync(Guid id, string status)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            using var response = await api.GetAsync($"/negotiation/{id}");
            if (response.IsSuccessStatusCode &&
                JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString() == status)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Negotiation {id} did not read {status} within {Timeout}.");
    }

    /// <summary>Appends what <c>POST /negotiate</c> appends for <paramref name="container"/>.</summary>
    private Task StartNegotiationAsync(Guid id, ContainerSpec container)
    {
        var task = $"Deployment/{container.Name}/{container.Name}";
        return eventStore.AppendAsync(id,
            new PartialTaskSubmitted(id, task, "test", "kubernetes", container, DateTimeOffset.UtcNow),
            new RequirementsAnalyzed(id, task, WorkloadProfile.Cache, container, []));
    }
}
