using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using ContainerSpec = EventShadow.Contracts.ContainerSpec;
using EventShadow.Contracts;
using EventShadow.PoolManager;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EventShadow.IntegrationTests.PoolManager;

/// <summary>
/// The Docker driver against the real engine and the shipped image catalog.
/// </summary>
public sealed class ShadowContainersTests : IAsyncLifetime
{
    private const string InstanceName = "shadow-driver-tests";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly List<Guid> negotiations = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => ShadowDocker.RemoveShadowsAsync(negotiations);

    [Fact]
    public async Task Claim_redis_applies_limits_and_labels()
    {
        var (shadows, catalog) = CreateDriver();
        var request = Request(catalog, Container("redis:7-alpine"), new ResourceAllocation(250, 128));

        var claim = await shadows.ClaimAsync(request, CancellationToken.None);
        var inspected = await ShadowDocker.Client.Containers.InspectContainerAsync(claim.ShadowId);

        Assert.Equal(ShadowLabels.ContainerName(request.NegotiationId, 1), claim.ShadowName);
        Assert.Equal($"/{claim.ShadowName}", inspected.Name);
        Assert.True(inspected.State?.Running);
        Assert.True(claim.ColdStart);
        Assert.False(string.IsNullOrEmpty(claim.WorkloadExecId));
        AssertLimitsAndHardening(inspected);
        AssertLabels(inspected, request, claim);

        var pong = await ShadowDocker.WaitUntilSucceedsAsync(claim.ShadowId, ["redis-cli", "ping"], null, ReadyTimeout);
        Assert.Equal("PONG", pong.Trim());

        var workload = await ShadowDocker.Client.Exec.InspectContainerExecAsync(claim.WorkloadExecId);
        Assert.True(workload.Running);
        Assert.Equal("redis-server", workload.ProcessConfig?.Entrypoint);
        Assert.Equal("redis", workload.ProcessConfig?.User);
    }

    [Fact]
    public async Task Cold_claim_with_ports_joins_internal_network()
    {
        var network = $"eventshadow-test-{Guid.NewGuid():N}"[..30];
        var (shadows, catalog) = CreateDriver(("Shadows:InternalNetwork", network));
        var request = Request(catalog, Container("redis:7-alpine") with { Ports = [6379] }, new ResourceAllocation(250, 128));

        try
        {
            var claim = await shadows.ClaimAsync(request, CancellationToken.None);

            var inspected = await ShadowDocker.Client.Containers.InspectContainerAsync(claim.ShadowId);
            Assert.True(claim.ColdStart);
            Assert.Equal(network, inspected.HostConfig!.NetworkMode);
            var created = await ShadowDocker.Client.Networks.InspectNetworkAsync(network);
            Assert.True(created.Internal, "the shadows' network must be internal");
        }
        finally
        {
            await ShadowDocker.RemoveShadowsAsync([request.NegotiationId]);
            await ShadowDocker.Client.Networks.DeleteNetworkAsync(network);
        }
    }

    [Fact]
    public async Task Release_removes_and_describes_shadow()
    {
        var (shadows, catalog) = CreateDriver();
        var request = Request(catalog, Container("redis:7-alpine"), new ResourceAllocation(250, 128));
        var claim = await shadows.ClaimAsync(request, CancellationToken.None);

        var released = await shadows.ReleaseAsync(claim.ShadowId, CancellationToken.None);

        Assert.NotNull(released);
        Assert.Equal(claim.ShadowId, released.ShadowId);
        Assert.Equal(claim.ShadowName, released.ShadowName);
        Assert.Equal(new ResourceAllocation(250, 128), released.Allocation);
        Assert.Equal(claim.ClaimedAt, released.ClaimedAt);
        Assert.Equal(1, released.Attempt);
        Assert.Equal(request.NegotiationId, released.NegotiationId);
        Assert.Equal(InstanceName, released.Owner);
        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => ShadowDocker.Client.Containers.InspectContainerAsync(claim.ShadowId));
        Assert.Null(await shadows.ReleaseAsync(claim.ShadowId, CancellationToken.None));
    }

    [Fact]
    public async Task Claim_twice_reuses_container_and_workload()
    {
        var (shadows, catalog) = CreateDriver();
        var request = Request(catalog, Container("redis:7"), new ResourceAllocation(250, 128));

        var first = await shadows.ClaimAsync(request, CancellationToken.None);
        var second = await shadows.ClaimAsync(request, CancellationToken.None);

        Assert.Equal(first.ShadowId, second.ShadowId);
        Assert.Equal(first.WorkloadExecId, second.WorkloadExecId);
        Assert.Equal(first.ClaimedAt, second.ClaimedAt);
        Assert.Single(await ShadowDocker.ListShadowsAsync(request.NegotiationId));
    }

    [Fact]
    public async Task Claim_passes_manifest_environment_to_workload()
    {
        var (shadows, catalog) = CreateDriver();
        var container = Container("stress-ng") with
        {
            Command = ["sh", "-c", "echo \"$GREETING\" > /tmp/greeting && exec sleep 300"],
            Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["GREETING"] = "hello shadow" },
        };
        var request = Request(catalog, container, new ResourceAllocation(100, 64));

        var claim = await shadows.ClaimAsync(request, CancellationToken.None);

        var greeting = await ShadowDocker.WaitUntilSucceedsAsync(claim.ShadowId, ["cat", "/tmp/greeting"], null, ReadyTimeout);
        Assert.Equal("hello shadow", greeting.Trim());
    }

    [Theory]
    [InlineData("redis:7-alpine")]
    [InlineData("valkey/valkey:8")]
    [InlineData("nginx:1.25")]
    [InlineData("postgres:15")]
    public async Task Shipped_mapping_becomes_ready(string manifestImage)
    {
        var (shadows, catalog) = CreateDriver();
        var request = Request(catalog, Container(manifestImage), new ResourceAllocation(500, 256));
        var readiness = request.Workload.Readiness;
        Assert.NotNull(readiness);

        var claim = await shadows.ClaimAsync(request, CancellationToken.None);

        await ShadowDocker.WaitUntilSucceedsAsync(claim.ShadowId, readiness.Command, readiness.User, ReadyTimeout);
        var workload = await ShadowDocker.Client.Exec.InspectContainerExecAsync(claim.WorkloadExecId);
        Assert.True(workload.Running, $"workload of {manifestImage} exited with {workload.ExitCode}");
    }

    [Fact]
    public async Task Shipped_stress_ng_mapping_runs_manifest_args()
    {
        var (shadows, catalog) = CreateDriver();
        var container = Container("colinianking/stress-ng") with { Args = ["--cpu", "1", "--timeout", "120s"] };
        var request = Request(catalog, container, new ResourceAllocation(200, 64));

        var claim = await shadows.ClaimAsync(request, CancellationToken.None);

        // stress-ng starts its CPU worker a moment after itself, so wait until both run.
        var processes = await ShadowDocker.WaitUntilSucceedsAsync(
            claim.ShadowId, ["sh", "-c", "count=$(pgrep -c stress-ng) && [ \"$count\" -ge 2 ] && echo \"$count\""], null, ReadyTimeout);
        Assert.True(int.Parse(processes.Trim(), CultureInfo.InvariantCulture) >= 2, $"stress-ng processes: {processes}");
        Assert.Null(request.Workload.Readiness);
    }

    [Fact]
    public async Task Claim_with_missing_local_image_is_unavailable()
    {
        var (shadows, catalog) = CreateDriver(
            ("Shadows:Images:4:Match:0", "absent-app"),
            ("Shadows:Images:4:Image", "eventshadow/absent:0"),
            ("Shadows:Images:4:Entrypoint:0", "absent-app"),
            ("Shadows:AllowedImages:1", "eventshadow/absent"));
        var request = Request(catalog, Container("absent-app:1"), new ResourceAllocation(250, 128));

        var error = await Assert.ThrowsAsync<ShadowUnavailableException>(() => shadows.ClaimAsync(request, CancellationToken.None));

        Assert.Contains("local image 'eventshadow/absent:0'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'absent-app:1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Shadows:Images:4:Image", error.Message, StringComparison.Ordinal);
        Assert.Empty(await ShadowDocker.ListShadowsAsync(request.NegotiationId));
    }

    [Fact]
    public async Task Claim_below_docker_memory_minimum_is_unavailable()
    {
        var (shadows, catalog) = CreateDriver();
        var request = Request(catalog, Container("redis:7"), new ResourceAllocation(250, 4));

        var error = await Assert.ThrowsAsync<ShadowUnavailableException>(() => shadows.ClaimAsync(request, CancellationToken.None));

        Assert.Contains("Minimum memory limit allowed is 6MB", error.Message, StringComparison.Ordinal);
        Assert.Empty(await ShadowDocker.ListShadowsAsync(request.NegotiationId));
    }

    [Fact]
    public async Task Claim_unknown_program_removes_shadow()
    {
        var (shadows, catalog) = CreateDriver();
        var request = Request(catalog, Container("redis:7") with { Command = ["no-such-program"] }, new ResourceAllocation(250, 128));

        var error = await Assert.ThrowsAsync<ShadowUnavailableException>(() => shadows.ClaimAsync(request, CancellationToken.None));

        Assert.Contains("no-such-program", error.Message, StringComparison.Ordinal);
        Assert.Contains("executable file not found", error.Message, StringComparison.Ordinal);
        Assert.Empty(await ShadowDocker.ListShadowsAsync(request.NegotiationId));
    }

    [Fact]
    public async Task Release_negotiation_removes_every_attempt()
    {
        var (shadows, catalog) = CreateDriver();
        var first = Request(catalog, Container("redis:7"), new ResourceAllocation(250, 64));
        var second = first with { Attempt = 2, Allocation = new ResourceAllocation(500, 128) };
        await shadows.ClaimAsync(first, CancellationToken.None);
        await shadows.ClaimAsync(second, CancellationToken.None);

        var released = await shadows.ReleaseNegotiationAsync(first.NegotiationId, CancellationToken.None);

        Assert.Equal([1, 2], released.Select(shadow => shadow.Attempt).Order());
        Assert.Contains(released, shadow => shadow.Attempt == 2 && shadow.Allocation == new ResourceAllocation(500, 128));
        Assert.Empty(await ShadowDocker.ListShadowsAsync(first.NegotiationId));
        Assert.Empty(await shadows.ReleaseNegotiationAsync(first.NegotiationId, CancellationToken.None));
    }

    [Fact]
    public async Task Find_leaves_containers_that_are_not_shadows()
    {
        var (shadows, _) = CreateDriver();
        var negotiationId = NewNegotiation();
        var created = await ShadowDocker.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = Infrastructure.TestSettings.WorkloadImage,
            Name = $"eventshadow-test-plain-{negotiationId:N}",
            Labels = new Dictionary<string, string>(StringComparer.Ordinal) { [ShadowLabels.NegotiationId] = negotiationId.ToString("D") },
            HostConfig = new HostConfig { NetworkMode = "none" },
        });

        Assert.Null(await shadows.FindAsync(created.ID, CancellationToken.None));
        Assert.Null(await shadows.ReleaseAsync(created.ID, CancellationToken.None));
        Assert.Single(await ShadowDocker.ListShadowsAsync(negotiationId));
    }

    private static void AssertLimitsAndHardening(ContainerInspectResponse inspected)
    {
        var host = inspected.HostConfig;
        Assert.NotNull(host);
        Assert.Equal(128L * 1024 * 1024, host.Memory);
        Assert.Equal(128L * 1024 * 1024, host.MemorySwap);
        Assert.Equal(250_000_000L, host.NanoCPUs);
        Assert.Equal("none", host.NetworkMode);
        Assert.Equal(["ALL"], host.CapDrop);
        Assert.True(host.CapAdd is null || host.CapAdd.Count == 0, $"CapAdd: {string.Join(',', host.CapAdd ?? [])}");
        Assert.Contains("no-new-privileges", host.SecurityOpt);
        Assert.Equal(512L, host.PidsLimit);
        Assert.True(host.ReadonlyRootfs);
        Assert.False(host.Privileged);
        Assert.True(host.Binds is null || host.Binds.Count == 0);
        Assert.Empty(inspected.Mounts ?? []);
    }

    private static void AssertLabels(ContainerInspectResponse inspected, ShadowRequest request, ShadowClaim claim)
    {
        var labels = inspected.Config?.Labels;
        Assert.NotNull(labels);
        Assert.Equal("true", labels[ShadowLabels.Shadow]);
        Assert.Equal(request.NegotiationId.ToString("D"), labels[ShadowLabels.NegotiationId]);
        Assert.Equal("1", labels[ShadowLabels.Attempt]);
        Assert.Equal("Cache", labels[ShadowLabels.Profile]);
        Assert.Equal("default", labels[ShadowLabels.Pool]);
        Assert.Equal(InstanceName, labels[ShadowLabels.Owner]);
        Assert.Equal(claim.ClaimedAt, DateTimeOffset.Parse(labels[ShadowLabels.ClaimedAt], CultureInfo.InvariantCulture));
        Assert.InRange(claim.ClaimedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
    }

    private static (ShadowContainers Shadows, ShadowImageCatalog Catalog) CreateDriver(params (string Key, string Value)[] overrides)
    {
        var options = Options.Create(PoolManagerSettings.LoadShadowOptions(InstanceName, overrides));
        var shadows = new ShadowContainers(ShadowDocker.Client, options, TimeProvider.System, NullLogger<ShadowContainers>.Instance);
        return (shadows, new ShadowImageCatalog(options));
    }

    private ShadowRequest Request(ShadowImageCatalog catalog, ContainerSpec container, ResourceAllocation allocation) =>
        new(NewNegotiation(), 1, WorkloadProfile.Cache, allocation, catalog.Resolve(container));

    private Guid NewNegotiation()
    {
        var negotiationId = Guid.NewGuid();
        negotiations.Add(negotiationId);
        return negotiationId;
    }

    private static ContainerSpec Container(string image) =>
        new("main", image, null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);
}
