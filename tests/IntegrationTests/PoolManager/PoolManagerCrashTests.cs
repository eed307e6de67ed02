using System.Diagnostics;
using Docker.DotNet.Models;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.PoolManager;
using Microsoft.AspNetCore.Builder;
using ContainerSpec = EventShadow.Contracts.ContainerSpec;

namespace EventShadow.IntegrationTests.PoolManager;

/// <summary>
/// A PoolManager killed with SIGKILL while it fills its pool, and the shadows a crash can leave half
/// done: the restarted PoolManager rebuilds its pool from the engine's labels and leaks nothing.
/// </summary>
public sealed class PoolManagerCrashTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly string pool = $"crash-test-{Guid.NewGuid():N}"[..24];
    private readonly string instance = $"crash-tests-{Guid.NewGuid():N}"[..24];

    private TestServices infrastructure = null!;
    private EventStoreProbe eventStore = null!;
    private PoolStreams poolStreams = null!;
    private WebApplication? restarted;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        eventStore = new EventStoreProbe(infrastructure.Schema);
        poolStreams = new PoolStreams(infrastructure.Schema);
    }

    public async Task DisposeAsync()
    {
        if (restarted is not null)
        {
            await restarted.StopAsync();
            await restarted.DisposeAsync();
        }

        await ShadowDocker.RemovePoolAsync(pool);
        await poolStreams.DisposeAsync();
        await eventStore.DisposeAsync();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Restart_after_sigkill_cleans_up_pool()
    {
        await KillWhileWarmingAsync();

        var halfClaimed = await PlantHalfDoneClaimAsync();
        var halfWarmed = await PlantShadowAsync(ShadowLabels.WarmContainerName("Cache"), negotiationId: null, pause: false);
        var (ended, endedShadow) = await PlantConfiguredClaimAsync(ended: true);
        var (live, liveShadow) = await PlantConfiguredClaimAsync(ended: false);

        restarted = PoolManagerApplication.Build(Arguments(minWarm: 1));
        await restarted.StartAsync();

        var remaining = await ShadowDocker.WaitForPoolAsync(
            pool,
            containers => containers.Count == 2 &&
                containers.Any(container => container.ID == liveShadow) &&
                containers.Count(container => container.State == "paused" && ShadowLabels.IsWarmName(container.Names[0])) == 1,
            Timeout);
        Assert.DoesNotContain(remaining, container => container.ID == halfClaimed || container.ID == halfWarmed || container.ID == endedShadow);

        var reaped = (await poolStreams.ReadAsync(pool, WorkloadProfile.Cache)).OfType<ShadowReaped>().ToList();
        Assert.Contains(reaped, reap => reap.ShadowId == halfClaimed && reap.Reason.Contains("never completed", StringComparison.Ordinal));
        Assert.Contains(reaped, reap => reap.ShadowId == endedShadow && reap.NegotiationId == ended && reap.Reason.Contains("ended", StringComparison.Ordinal));
        Assert.DoesNotContain(reaped, reap => reap.ShadowId == liveShadow);

        var endedEvents = await eventStore.ReadStreamAsync(ended);
        var release = Assert.Single(endedEvents.OfType<ShadowReleased>());
        Assert.Equal(endedShadow, release.ShadowId);
        Assert.Equal(endedEvents.OfType<ShadowClaimed>().Single().ClaimedAt, release.ClaimedAt);
        Assert.Empty((await eventStore.ReadStreamAsync(live)).OfType<ShadowReleased>());
    }

    /// <summary>
    /// Runs a PoolManager as a child process with a floor of three warm shadows and kills it with
    /// SIGKILL as soon as the first shadow appears, usually in the middle of warming the next ones.
    /// </summary>
    private async Task KillWhileWarmingAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SourceTree.ServiceAssembly("PoolManager"));
        foreach (var argument in Arguments(minWarm: 3))
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start the PoolManager.");
        var output = new System.Text.StringBuilder();
        child.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        child.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();

        try
        {
            await ShadowDocker.WaitForPoolAsync(pool, containers => containers.Count > 0 || child.HasExited, Timeout);
            if (child.HasExited)
            {
                throw new TimeoutException($"The PoolManager exited with code {child.ExitCode} before it warmed a shadow.");
            }
        }
        catch (TimeoutException ex)
        {
            lock (output)
            {
                throw new TimeoutException($"{ex.Message} The PoolManager wrote:\n{output}", ex);
            }
        }
        finally
        {
            // Process.Kill sends SIGKILL on Linux: no shutdown code runs.
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }
    }

    /// <summary>
    /// A warm shadow renamed for an attempt and unpaused, whose claim stopped before ShadowConfigured was
    /// recorded: the proposal is in the stream, the container runs, nothing else happened.
    /// </summary>
    private async Task<string> PlantHalfDoneClaimAsync()
    {
        var negotiationId = Guid.NewGuid();
        await eventStore.AppendAsync(negotiationId, Proposal(negotiationId));
        return await PlantShadowAsync(ShadowLabels.ContainerName(negotiationId, 1), negotiationId: null, pause: false);
    }

    /// <summary>
    /// A shadow created for an attempt whose claim was recorded; when <paramref name="ended"/>, the
    /// negotiation then committed without the release being consumed.
    /// </summary>
    private async Task<(Guid NegotiationId, string ShadowId)> PlantConfiguredClaimAsync(bool ended)
    {
        var negotiationId = Guid.NewGuid();
        var name = ShadowLabels.ContainerName(negotiationId, 1);
        var shadowId = await PlantShadowAsync(name, negotiationId, pause: false);
        var allocation = new ResourceAllocation(250, 64);
        var claimedAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        List<object> events =
        [
            Proposal(negotiationId),
            new ShadowClaimed(negotiationId, 1, shadowId, name, TestSettings.WorkloadImage, ColdStart: true, claimedAt),
            new ShadowConfigured(negotiationId, 1, shadowId, allocation, "exec", null, claimedAt),
        ];
        if (ended)
        {
            events.Add(new AllocationCommitted(negotiationId, 1, allocation, DateTimeOffset.UtcNow));
        }

        await eventStore.AppendAsync(negotiationId, [.. events]);
        return (negotiationId, shadowId);
    }

    private async Task<string> PlantShadowAsync(string name, Guid? negotiationId, bool pause)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ShadowLabels.Shadow] = "true",
            [ShadowLabels.Pool] = pool,
            [ShadowLabels.Owner] = instance,
            [ShadowLabels.Profile] = "Cache",
            [ShadowLabels.Origin] = negotiationId is null ? ShadowLabels.WarmOrigin : ShadowLabels.ColdOrigin,
        };
        if (negotiationId is { } id)
        {
            labels[ShadowLabels.NegotiationId] = id.ToString("D");
            labels[ShadowLabels.Attempt] = "1";
        }

        var created = await ShadowDocker.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = name,
            Image = TestSettings.WorkloadImage,
            Entrypoint = ["sleep"],
            Cmd = ["infinity"],
            Labels = labels,
            HostConfig = new HostConfig { NetworkMode = "none", Memory = 64L * 1024 * 1024, CapDrop = ["ALL"], Init = true },
        });
        await ShadowDocker.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        if (pause)
        {
            await ShadowDocker.Client.Containers.PauseContainerAsync(created.ID);
        }

        return created.ID;
    }

    private string[] Arguments(int minWarm) => infrastructure.ServiceArguments(
        SourceTree.ContentRootArgument("PoolManager"),
        $"--Shadows:Pool={pool}",
        $"--Shadows:InstanceName={instance}",
        "--Shadows:SizingIntervalSeconds=1",
        "--Shadows:ReaperIntervalSeconds=3600",
        $"--Shadows:WarmPools:0:MinWarm={minWarm}");

    private static AllocationProposed Proposal(Guid negotiationId)
    {
        var container = new ContainerSpec(
            "cache", "redis:7", null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);
        return new AllocationProposed(negotiationId, 1, new ResourceAllocation(250, 64), "test allocation", WorkloadProfile.Cache, container);
    }
}
