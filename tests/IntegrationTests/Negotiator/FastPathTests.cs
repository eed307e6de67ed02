using System.Net.Http.Json;
using System.Text.Json;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.EndToEnd;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using EventShadow.Negotiator.History;
using Marten;
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

    private WebApplication negotiator = null!;
    private HttpClient api = null!;
    private TestServices infrastructure = null!;
    private TestBus bus = null!;
    private EventStoreProbe eventStore = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        bus = await TestBus.StartAsync(infrastructure.RabbitMq);
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
        for (var run = 0; run < 3; run++)
        {
            await NegotiateWithTrialAsync(Redis, peakMiB: 12.5);
        }

        await WaitForValidatedRunsAsync(Redis, 3);

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
        for (var run = 0; run < 3; run++)
        {
            await NegotiateWithTrialAsync(Redis, peakMiB: 12.5);
        }

        await WaitForValidatedRunsAsync(Redis, 3);

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
        for (var run = 0; run < 3; run++)
        {
            await NegotiateWithTrialAsync(Redis, peakMiB: 12.5);
        }

        await WaitForValidatedRunsAsync(Redis, 3);

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
        for (var run = 0; run < 3; run++)
        {
            await NegotiateWithTrialAsync(Redis, peakMiB: 12.5);
        }

        await WaitForValidatedRunsAsync(Redis, 3);

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
        for (var run = 0; run < 3; run++)
        {
            await NegotiateWithTrialAsync(Redis, peakMiB: 12.5);
        }

        await WaitForValidatedRunsAsync(Redis, 3);

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

        // History shows the kill, so the next negotiation is tried instead of committed from the old runs.
        var next = Guid.CreateVersion7();
        await StartNegotiationAsync(next, Redis);
        var nextProposed = await eventStore.WaitForEventAsync<AllocationProposed>(next, Timeout);
        Assert.Equal(1, nextProposed.Attempt);
        Assert.DoesNotContain("refresh trial", nextProposed.Rationale, StringComparison.Ordinal);
        Assert.Empty((await eventStore.ReadStreamAsync(next)).OfType<AllocationCommitted>());
    }

    private static ValidationMeasurements Measurements(double peakMiB, bool oomKilled) =>
        new(true, !oomKilled, oomKilled, oomKilled ? 1 : 0, peakMiB, null, 0.2, 0, 10, 3);

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

    /// <summary>Appends what <c>POST /negotiate</c> appends for <paramref name="container"/>.</summary>
    private Task StartNegotiationAsync(Guid id, ContainerSpec container)
    {
        var task = $"Deployment/{container.Name}/{container.Name}";
        return eventStore.AppendAsync(id,
            new PartialTaskSubmitted(id, task, "test", "kubernetes", container, DateTimeOffset.UtcNow),
            new RequirementsAnalyzed(id, task, WorkloadProfile.Cache, container, []));
    }
}
