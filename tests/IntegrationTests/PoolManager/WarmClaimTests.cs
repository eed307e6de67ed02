using Docker.DotNet.Models;
using EventShadow.Contracts;
using EventShadow.PoolManager;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ContainerSpec = EventShadow.Contracts.ContainerSpec;

namespace EventShadow.IntegrationTests.PoolManager;

/// <summary>
/// Claims of warm shadows through the Docker driver against the real engine. They cover the limits the
/// workload runs under when the claim returns and the engine's record that follows. They also cover a
/// claim without access to the cgroup files and one whose name the engine rejects.
/// </summary>
public sealed class WarmClaimTests : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly ResourceAllocation Allocation = new(300, 160);

    private readonly string pool = $"warm-claim-{Guid.NewGuid():N}"[..24];
    private readonly string instance = $"warm-claim-tests-{Guid.NewGuid():N}"[..28];
    private readonly List<string> others = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await ShadowDocker.RemovePoolAsync(pool);
        foreach (var id in others)
        {
            await ShadowDocker.RemoveAsync(id);
        }
    }

    [Fact]
    public async Task Workload_runs_under_allocation_when_claim_returns()
    {
        var (shadows, request) = CreateDriverAndRequest();
        var (warmId, _) = await shadows.CreateWarmAsync(new WarmShadowRequest(request.Profile, request.Workload), CancellationToken.None);

        var claim = await shadows.ClaimWarmAsync(warmId, request, CancellationToken.None);
        var memory = await CgroupValueAsync(warmId, "memory/memory.limit_in_bytes");
        var swap = await CgroupValueAsync(warmId, "memory/memory.memsw.limit_in_bytes");
        var quota = await CgroupValueAsync(warmId, "cpu/cpu.cfs_quota_us");
        var period = await CgroupValueAsync(warmId, "cpu/cpu.cfs_period_us");

        Assert.Equal(160 * MiB, memory);
        Assert.Equal(160 * MiB, swap);
        Assert.Equal(0.3, (double)quota / period, precision: 3);
        Assert.Equal("PONG", (await ShadowDocker.WaitUntilSucceedsAsync(warmId, ["redis-cli", "ping"], null, ReadyTimeout)).Trim());
        Assert.False(claim.ColdStart);
    }

    [Fact]
    public async Task Warm_claims_start_through_launcher()
    {
        // A launcher paused before runc had started it never ran, and its claims fell back to a
        // fresh exec. Several claims in a row make such a race visible.
        for (var claimNumber = 0; claimNumber < 5; claimNumber++)
        {
            var (shadows, request) = CreateDriverAndRequest();
            var (warmId, _) = await shadows.CreateWarmAsync(new WarmShadowRequest(request.Profile, request.Workload), CancellationToken.None);

            var claim = await shadows.ClaimWarmAsync(warmId, request, CancellationToken.None);
            var exec = await ShadowDocker.Client.Exec.InspectContainerExecAsync(claim.WorkloadExecId);

            Assert.True(
                WorkloadLauncher.IsLauncher(exec.ProcessConfig?.Entrypoint, exec.ProcessConfig?.Arguments),
                $"claim {claimNumber} started {exec.ProcessConfig?.Entrypoint} instead of handing the workload to the launcher");
            await ShadowDocker.RemoveAsync(warmId);
        }
    }

    [Fact]
    public async Task Engine_records_claim_after_return()
    {
        var (shadows, request) = CreateDriverAndRequest();
        var (warmId, warmName) = await shadows.CreateWarmAsync(new WarmShadowRequest(request.Profile, request.Workload), CancellationToken.None);

        var claim = await shadows.ClaimWarmAsync(warmId, request, CancellationToken.None);
        await claim.EngineUpdate;
        var inspected = await ShadowDocker.Client.Containers.InspectContainerAsync(warmId);

        Assert.NotEqual(warmName, claim.ShadowName);
        Assert.Equal($"/{ShadowLabels.ContainerName(request.NegotiationId, request.Attempt)}", inspected.Name);
        Assert.True(inspected.State?.Running);
        Assert.False(inspected.State?.Paused);
        AssertEngineHoldsAllocation(inspected.HostConfig!);
    }

    [Fact]
    public async Task Claimed_warm_shadow_reads_as_claimed()
    {
        var (shadows, request) = CreateDriverAndRequest();
        var (warmId, _) = await shadows.CreateWarmAsync(new WarmShadowRequest(request.Profile, request.Workload), CancellationToken.None);

        var claim = await shadows.ClaimWarmAsync(warmId, request, CancellationToken.None);
        await claim.EngineUpdate;
        var labels = (await ShadowDocker.Client.Containers.InspectContainerAsync(warmId)).Config!.Labels;
        var listed = Assert.Single(await shadows.ListPoolAsync(pool, CancellationToken.None));
        var labelledWarm = await ShadowDocker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal)
            {
                ["label"] = new Dictionary<string, bool>(StringComparer.Ordinal)
                {
                    [$"{ShadowLabels.Pool}={pool}"] = true,
                    [$"{ShadowLabels.LegacyState}=warm"] = true,
                },
            },
        });

        // The origin label stays warm, while the name and everything read from it show the claim.
        Assert.Equal(ShadowLabels.WarmOrigin, labels[ShadowLabels.Origin]);
        Assert.Empty(labelledWarm);
        Assert.False(listed.Warm);
        Assert.Equal(ShadowLabels.ContainerName(request.NegotiationId, request.Attempt), listed.Name);
        Assert.Equal(request.NegotiationId, listed.NegotiationId);
        Assert.Equal(request.Attempt, listed.Attempt);
        Assert.Equal(1, await shadows.CountAsync(pool, CancellationToken.None));
        Assert.Equal(request.NegotiationId, Assert.Single(await shadows.ListAsync(request.NegotiationId, CancellationToken.None)).NegotiationId);
    }

    [Fact]
    public async Task Redelivered_proposal_keeps_warm_claim()
    {
        var (shadows, request) = CreateDriverAndRequest();
        var (warmId, _) = await shadows.CreateWarmAsync(new WarmShadowRequest(request.Profile, request.Workload), CancellationToken.None);
        var claim = await shadows.ClaimWarmAsync(warmId, request, CancellationToken.None);
        await claim.EngineUpdate;

        // A redelivery finds the renamed shadow by the attempt's name and reads its warm origin from the label.
        var again = await shadows.ClaimAsync(request, CancellationToken.None);

        Assert.Equal(warmId, again.ShadowId);
        Assert.False(again.ColdStart);
        Assert.Equal(claim.WorkloadExecId, again.WorkloadExecId);
        AssertEngineHoldsAllocation((await ShadowDocker.Client.Containers.InspectContainerAsync(warmId)).HostConfig!);
    }

    [Fact]
    public async Task Claim_without_cgroup_access_waits_for_engine_update()
    {
        var unreachable = Path.Combine(Path.GetTempPath(), $"no-cgroups-{Guid.NewGuid():N}");
        var (shadows, request) = CreateDriverAndRequest(
            ("Shadows:CgroupMemoryFolders:0", unreachable), ("Shadows:CgroupCpuFolders:0", unreachable));
        var (warmId, _) = await shadows.CreateWarmAsync(new WarmShadowRequest(request.Profile, request.Workload), CancellationToken.None);

        var claim = await shadows.ClaimWarmAsync(warmId, request, CancellationToken.None);
        var memory = await CgroupValueAsync(warmId, "memory/memory.limit_in_bytes");
        var inspected = await ShadowDocker.Client.Containers.InspectContainerAsync(warmId);

        Assert.Equal(160 * MiB, memory);
        AssertEngineHoldsAllocation(inspected.HostConfig!);
        await claim.EngineUpdate;
        Assert.Equal("PONG", (await ShadowDocker.WaitUntilSucceedsAsync(warmId, ["redis-cli", "ping"], null, ReadyTimeout)).Trim());
    }

    [Fact]
    public async Task Taken_name_fails_claim_and_removes_shadow()
    {
        var (shadows, request) = CreateDriverAndRequest();
        var (warmId, _) = await shadows.CreateWarmAsync(new WarmShadowRequest(request.Profile, request.Workload), CancellationToken.None);
        var squatter = await ShadowDocker.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = Infrastructure.TestSettings.WorkloadImage,
            Name = ShadowLabels.ContainerName(request.NegotiationId, request.Attempt),
            HostConfig = new HostConfig { NetworkMode = "none" },
        });
        others.Add(squatter.ID);

        var claim = await shadows.ClaimWarmAsync(warmId, request, CancellationToken.None);
        var error = await Assert.ThrowsAsync<ShadowUnavailableException>(() => claim.EngineUpdate);

        Assert.Contains(warmId, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await ShadowDocker.ListPoolAsync(pool), container => container.ID == warmId);
    }

    private static void AssertEngineHoldsAllocation(HostConfig host)
    {
        Assert.Equal(160 * MiB, host.Memory);
        Assert.Equal(160 * MiB, host.MemorySwap);
        Assert.Equal(300_000_000L, host.NanoCPUs);
    }

    /// <summary>Reads a file of the shadow's cgroup v1 hierarchy from inside the shadow.</summary>
    private static async Task<long> CgroupValueAsync(string containerId, string file)
    {
        var (exitCode, output) = await ShadowDocker.ExecAsync(containerId, ["cat", $"/sys/fs/cgroup/{file}"]);
        Assert.True(exitCode == 0, $"cat {file} exited with {exitCode}: {output}");
        return long.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private (ShadowContainers Shadows, ShadowRequest Request) CreateDriverAndRequest(params (string Key, string Value)[] overrides)
    {
        var options = Options.Create(PoolManagerSettings.LoadShadowOptions(instance, [("Shadows:Pool", pool), .. overrides]));
        var shadows = new ShadowContainers(ShadowDocker.Client, options, TimeProvider.System, NullLogger<ShadowContainers>.Instance);
        var container = new ContainerSpec(
            "cache", "redis:7", null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);
        var request = new ShadowRequest(Guid.NewGuid(), 1, WorkloadProfile.Cache, Allocation, new ShadowImageCatalog(options).Resolve(container));
        return (shadows, request);
    }
}
