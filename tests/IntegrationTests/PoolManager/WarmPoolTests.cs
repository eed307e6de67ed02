using System.Net.Http.Json;
using Docker.DotNet.Models;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.PoolManager;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using ContainerSpec = EventShadow.Contracts.ContainerSpec;

namespace EventShadow.IntegrationTests.PoolManager;

/// <summary>
/// Warm pools in the running PoolManager: a Cache pool kept at two warm shadows by its floor, and claims
/// that take them, with or without the internal network of tasks with ports.
/// </summary>
public sealed class WarmPoolTests : IAsyncLifetime
{
    private const int WarmMemoryMiB = 48;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // A pool, owner and network of its own, so that other tests' shadows on this Docker host do not count.
    private readonly string pool = $"warm-test-{Guid.NewGuid():N}"[..24];
    private readonly string instance = $"warm-pool-tests-{Guid.NewGuid():N}"[..28];
    private readonly string network = $"eventshadow-test-{Guid.NewGuid():N}"[..30];

    private TestServices infrastructure = null!;
    private WebApplication poolManager = null!;
    private TestBus bus = null!;
    private EventStoreProbe eventStore = null!;
    private PoolStreams poolStreams = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        poolManager = PoolManagerApplication.Build(infrastructure.ServiceArguments(
            SourceTree.ContentRootArgument("PoolManager"),
            $"--Shadows:Pool={pool}",
            $"--Shadows:InstanceName={instance}",
            $"--Shadows:InternalNetwork={network}",
            $"--Shadows:WarmMemoryMiB={WarmMemoryMiB}",
            "--Shadows:SizingIntervalSeconds=1",
            "--Shadows:WarmPools:0:MinWarm=2"));
        await poolManager.StartAsync();
        bus = await TestBus.StartAsync(infrastructure.RabbitMq);
        eventStore = new EventStoreProbe(infrastructure.Schema);
        poolStreams = new PoolStreams(infrastructure.Schema);
    }

    public async Task DisposeAsync()
    {
        await bus.DisposeAsync();
        await poolManager.StopAsync();
        await poolManager.DisposeAsync();
        await ShadowDocker.RemovePoolAsync(pool);
        try
        {
            await ShadowDocker.Client.Networks.DeleteNetworkAsync(network);
        }
        catch (Docker.DotNet.DockerNetworkNotFoundException)
        {
            // Only the test with ports creates it.
        }

        await poolStreams.DisposeAsync();
        await eventStore.DisposeAsync();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Pool_fills_to_floor_with_paused_hardened_shadows()
    {
        var warm = await WaitForWarmAsync(2);

        foreach (var listed in warm)
        {
            var inspected = await ShadowDocker.Client.Containers.InspectContainerAsync(listed.ID);
            Assert.True(inspected.State?.Paused, $"{listed.Names[0]} is {listed.State}");
            Assert.Equal(["sleep", "infinity"], [inspected.Path, .. inspected.Args]);

            var labels = inspected.Config!.Labels;
            Assert.Equal("true", labels[ShadowLabels.Shadow]);
            Assert.Equal(pool, labels[ShadowLabels.Pool]);
            Assert.Equal("Cache", labels[ShadowLabels.Profile]);
            Assert.Equal(ShadowLabels.WarmOrigin, labels[ShadowLabels.Origin]);
            Assert.Equal(instance, labels[ShadowLabels.Owner]);

            var host = inspected.HostConfig!;
            Assert.Equal(WarmMemoryMiB * 1024L * 1024, host.Memory);
            Assert.Equal("none", host.NetworkMode);
            Assert.Equal(["ALL"], host.CapDrop);
            Assert.Contains("no-new-privileges", host.SecurityOpt);
            Assert.Equal(512L, host.PidsLimit);
            Assert.True(host.ReadonlyRootfs, "the redis mapping allows a read-only root");
            Assert.False(host.Privileged);
            Assert.Empty(inspected.Mounts ?? []);
        }

        var warmed = await poolStreams.WaitForAsync<ShadowWarmed>(pool, WorkloadProfile.Cache, Timeout);
        Assert.Contains(warm, listed => listed.ID == warmed.ShadowId);
        var resized = await poolStreams.WaitForAsync<ShadowPoolResized>(pool, WorkloadProfile.Cache, Timeout);
        Assert.Equal(2, resized.Size);
    }

    [Fact]
    public async Task Proposal_claims_warm_shadow_and_pool_refills()
    {
        var warm = await WaitForWarmAsync(2);
        var proposal = Proposal(new ResourceAllocation(300, 160));

        await PublishAsync(proposal.NegotiationId, proposal);
        var configured = await eventStore.WaitForEventAsync<ShadowConfigured>(proposal.NegotiationId, Timeout);

        var claimed = (await eventStore.ReadStreamAsync(proposal.NegotiationId)).OfType<ShadowClaimed>().Single();
        Assert.False(claimed.ColdStart);
        Assert.Contains(warm, listed => listed.ID == claimed.ShadowId);
        Assert.Equal(ShadowLabels.ContainerName(proposal.NegotiationId, 1), claimed.ShadowName);

        var inspected = await ShadowDocker.Client.Containers.InspectContainerAsync(configured.ShadowId);
        Assert.Equal($"/{claimed.ShadowName}", inspected.Name);
        Assert.True(inspected.State?.Running);
        Assert.False(inspected.State?.Paused);
        Assert.Equal(160L * 1024 * 1024, inspected.HostConfig!.Memory);
        Assert.Equal(160L * 1024 * 1024, inspected.HostConfig.MemorySwap);
        Assert.Equal(300_000_000L, inspected.HostConfig.NanoCPUs);
        var pong = await ShadowDocker.WaitUntilSucceedsAsync(configured.ShadowId, ["redis-cli", "ping"], null, Timeout);
        Assert.Equal("PONG", pong.Trim());

        var poolClaim = await poolStreams.WaitForAsync<ShadowPoolClaimed>(pool, WorkloadProfile.Cache, Timeout);
        Assert.False(poolClaim.ColdStart);
        Assert.Equal(configured.ShadowId, poolClaim.ShadowId);
        await WaitForWarmAsync(2, except: configured.ShadowId);
    }

    [Fact]
    public async Task Warm_claim_records_idle_time_from_creation_to_claim()
    {
        var warm = await WaitForWarmAsync(2);
        var proposal = Proposal(new ResourceAllocation(300, 160));

        await PublishAsync(proposal.NegotiationId, proposal);
        await eventStore.WaitForEventAsync<ShadowConfigured>(proposal.NegotiationId, Timeout);

        var events = await eventStore.ReadStreamAsync(proposal.NegotiationId);
        var claimed = events.OfType<ShadowClaimed>().Single();
        var idled = events.OfType<WarmShadowIdled>().Single();
        var created = warm.Single(listed => listed.ID == claimed.ShadowId).Created;
        Assert.Equal(claimed.ShadowId, idled.ShadowId);
        Assert.Equal(pool, idled.Pool);
        Assert.Equal(WorkloadProfile.Cache, idled.Profile);
        Assert.Equal(WarmMemoryMiB, idled.MemoryMiB);
        Assert.Equal(claimed.ClaimedAt, idled.ResumedAt);
        Assert.Equal(new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)), idled.PausedAt);
        Assert.True(idled.ResumedAt > idled.PausedAt, $"idle from {idled.PausedAt:O} to {idled.ResumedAt:O}");
    }

    [Fact]
    public async Task Warm_claim_passes_manifest_environment()
    {
        await WaitForWarmAsync(2);
        var plain = Proposal(new ResourceAllocation(250, 128));
        var proposal = plain with
        {
            // Redis rewrites its process title over its environment, so a plain sleep shows the variables.
            Container = plain.Container with
            {
                Command = ["sleep", "300"],
                Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["GREETING"] = "hello 'warm' shadow" },
            },
        };

        await PublishAsync(proposal.NegotiationId, proposal);
        var configured = await eventStore.WaitForEventAsync<ShadowConfigured>(proposal.NegotiationId, Timeout);

        var claimed = (await eventStore.ReadStreamAsync(proposal.NegotiationId)).OfType<ShadowClaimed>().Single();
        Assert.False(claimed.ColdStart);
        var workload = await ShadowDocker.Client.Exec.InspectContainerExecAsync(configured.WorkloadExecId);
        Assert.True(workload.Running);
        var environment = await ShadowDocker.WaitUntilSucceedsAsync(
            configured.ShadowId, ["sh", "-c", "tr '\\0' '\\n' < /proc/$(pgrep -n -u redis -x sleep)/environ"], "redis", Timeout);
        Assert.Contains("GREETING=hello 'warm' shadow", environment.Split('\n'));
    }

    [Fact]
    public async Task Release_of_warm_claim_records_claim_time()
    {
        await WaitForWarmAsync(2);
        var proposal = Proposal(new ResourceAllocation(250, 128));
        await PublishAsync(proposal.NegotiationId, proposal);
        await eventStore.WaitForEventAsync<ShadowConfigured>(proposal.NegotiationId, Timeout);
        var claimed = (await eventStore.ReadStreamAsync(proposal.NegotiationId)).OfType<ShadowClaimed>().Single();

        await PublishAsync(proposal.NegotiationId, new AllocationCommitted(proposal.NegotiationId, 1, proposal.Allocation, DateTimeOffset.UtcNow));
        var released = await eventStore.WaitForEventAsync<ShadowReleased>(proposal.NegotiationId, Timeout);

        Assert.False(claimed.ColdStart);
        Assert.Equal(claimed.ShadowId, released.ShadowId);
        Assert.Equal(claimed.ClaimedAt, released.ClaimedAt);
        Assert.Equal(proposal.Allocation, released.Allocation);
        await ShadowDocker.WaitForPoolAsync(pool, containers => containers.All(container => container.ID != claimed.ShadowId), Timeout);
    }

    [Fact]
    public async Task Proposal_with_ports_claims_warm_shadow_onto_internal_network()
    {
        var warm = await WaitForWarmAsync(2);
        var plain = Proposal(new ResourceAllocation(250, 128));
        var proposal = plain with { Container = plain.Container with { Ports = [6379] } };

        await PublishAsync(proposal.NegotiationId, proposal);
        var configured = await eventStore.WaitForEventAsync<ShadowConfigured>(proposal.NegotiationId, Timeout);

        var claimed = (await eventStore.ReadStreamAsync(proposal.NegotiationId)).OfType<ShadowClaimed>().Single();
        Assert.False(claimed.ColdStart);
        Assert.Contains(warm, listed => listed.ID == claimed.ShadowId);
        var inspected = await ShadowDocker.Client.Containers.InspectContainerAsync(configured.ShadowId);
        Assert.Equal([network], inspected.NetworkSettings!.Networks.Keys);
        var created = await ShadowDocker.Client.Networks.InspectNetworkAsync(network);
        Assert.True(created.Internal, "the shadows' network must be internal");
        var pong = await ShadowDocker.WaitUntilSucceedsAsync(configured.ShadowId, ["redis-cli", "ping"], null, Timeout);
        Assert.Equal("PONG", pong.Trim());

        var poolClaim = await poolStreams.WaitForAsync<ShadowPoolClaimed>(pool, WorkloadProfile.Cache, Timeout);
        Assert.False(poolClaim.ColdStart);
    }

    [Fact]
    public async Task Pools_endpoint_reports_warm_claimed_and_cold_rate()
    {
        await WaitForWarmAsync(2);
        var proposal = Proposal(new ResourceAllocation(250, 128));
        await PublishAsync(proposal.NegotiationId, proposal);
        await poolStreams.WaitForAsync<ShadowPoolClaimed>(pool, WorkloadProfile.Cache, Timeout);
        await WaitForWarmAsync(2, except: null);

        // A shadow of the same pool that another PoolManager owns is not this one's to report.
        await ShadowDocker.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = Infrastructure.TestSettings.WorkloadImage,
            Name = $"eventshadow-test-foreign-{Guid.NewGuid():N}",
            Labels = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [ShadowLabels.Shadow] = "true",
                [ShadowLabels.Pool] = pool,
                [ShadowLabels.Profile] = "Cache",
                [ShadowLabels.Owner] = "another-docker-host",
            },
            HostConfig = new HostConfig { NetworkMode = "none" },
        });

        using var http = TestServices.CreateApiClient(ServerAddress());
        var body = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/pools");

        Assert.Equal(pool, body.GetProperty("pool").GetString());
        var cache = body.GetProperty("profiles").EnumerateArray().Single(profile => profile.GetProperty("profile").GetString() == "Cache");
        Assert.True(cache.GetProperty("hasWarmPool").GetBoolean());
        Assert.Equal(2, cache.GetProperty("target").GetInt32());
        Assert.Equal(2, cache.GetProperty("warm").GetInt32());
        Assert.Equal(1, cache.GetProperty("claimed").GetInt32());
        Assert.Equal(1, cache.GetProperty("claims").GetInt32());
        Assert.Equal(0, cache.GetProperty("coldStarts").GetInt32());
        Assert.Equal(0.0, cache.GetProperty("coldStartRate").GetDouble());
    }

    [Fact]
    public async Task Pools_endpoint_rejects_call_without_key()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(ServerAddress()) };

        using var response = await anonymous.GetAsync("/pools");
        using var health = await anonymous.GetAsync("/health/live");

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }

    private string ServerAddress() =>
        poolManager.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>
    /// Waits until the pool contains <paramref name="count"/> paused warm shadows, leaving out <paramref name="except"/>.
    /// </summary>
    private async Task<IList<ContainerListResponse>> WaitForWarmAsync(int count, string? except = null)
    {
        var all = await ShadowDocker.WaitForPoolAsync(
            pool,
            containers => containers.Count(container => IsWarm(container) && container.ID != except) == count,
            Timeout);
        return all.Where(container => IsWarm(container) && container.ID != except).ToList();
    }

    private static bool IsWarm(ContainerListResponse container) =>
        container.State == "paused" && ShadowLabels.IsWarmName(container.Names?.FirstOrDefault() ?? "");

    private async Task PublishAsync<T>(Guid negotiationId, T @event)
        where T : class
    {
        await eventStore.AppendAsync(negotiationId, @event);
        await bus.PublishAsync(@event, Guid.NewGuid());
    }

    private static AllocationProposed Proposal(ResourceAllocation allocation)
    {
        var container = new ContainerSpec(
            "cache", "redis:7", null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);
        return new AllocationProposed(Guid.NewGuid(), 1, allocation, "test allocation", WorkloadProfile.Cache, container);
    }
}
