using Docker.DotNet;
using Docker.DotNet.Models;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;

namespace EventShadow.IntegrationTests.Validator;

/// <summary>
/// Shadow containers made for one test the way the PoolManager makes them: an idle <c>sleep infinity</c>
/// container of the workload image with CPU and memory limits, no network and no capabilities, with
/// the workload started by a detached exec. Every container carries a label with this instance's run
/// id, and disposing removes all containers with that label.
/// </summary>
internal sealed class TestShadows : IAsyncDisposable
{
    public const string RunLabel = "eventshadow.test-run";

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly string runId = $"validator-{Guid.NewGuid():N}";

    public TestShadows()
    {
        Docker = new DockerClientBuilder().WithEndpoint(TestSettings.DockerEndpoint).Build();
    }

    public IDockerClient Docker { get; }

    /// <summary>
    /// Creates and starts a shadow with <paramref name="capabilities"/> added back, starts
    /// <paramref name="workload"/> in it as <paramref name="user"/> (root when null) and returns the event
    /// the PoolManager would append for it.
    /// </summary>
    public async Task<ShadowConfigured> StartAsync(
        ResourceAllocation allocation,
        IReadOnlyList<string> workload,
        ReadinessProbe? readiness,
        Guid? negotiationId = null,
        string? user = null,
        WorkloadProfile? profile = null,
        IReadOnlyList<string>? capabilities = null)
    {
        using var timeout = new CancellationTokenSource(CallTimeout);
        var memoryBytes = allocation.MemoryMiB * 1024L * 1024L;

        CreateContainerResponse created;
        try
        {
            created = await Docker.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Image = TestSettings.WorkloadImage,
                Cmd = ["sleep", "infinity"],
                Labels = new Dictionary<string, string>(StringComparer.Ordinal) { [RunLabel] = runId },
                HostConfig = new HostConfig
                {
                    Memory = memoryBytes,
                    MemorySwap = memoryBytes,
                    NanoCPUs = allocation.CpuMillicores * 1_000_000L,
                    NetworkMode = "none",
                    CapDrop = ["ALL"],
                    CapAdd = [.. capabilities ?? []],
                    PidsLimit = 256,
                },
            }, timeout.Token);
        }
        catch (DockerImageNotFoundException ex)
        {
            throw new InvalidOperationException(
                $"Image {TestSettings.WorkloadImage} is missing. Run `bash infra/setup.sh` to build it.", ex);
        }

        await Docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), timeout.Token);

        var exec = await Docker.Exec.CreateContainerExecAsync(created.ID, new ContainerExecCreateParameters
        {
            Cmd = [.. workload],
            User = user ?? "",
        }, timeout.Token);
        try
        {
            using var output = await Docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters { Detach = true }, timeout.Token);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("hijack", StringComparison.OrdinalIgnoreCase))
        {
            // Docker.DotNet.Enhanced 4.3.3 tries to take over the connection even after a detached start,
            // which the engine acknowledges with an empty response. By then the process has been started.
        }

        var started = await Docker.Exec.InspectContainerExecAsync(exec.ID, timeout.Token);
        Assert.True(started.Running || started.ExitCode is not null, $"workload `{string.Join(' ', workload)}` did not start in shadow {created.ID}");

        return new ShadowConfigured(
            negotiationId ?? Guid.NewGuid(), 1, created.ID, allocation, exec.ID, readiness, DateTimeOffset.UtcNow, Profile: profile);
    }

    /// <summary>
    /// Runs <paramref name="command"/> in a shadow as <paramref name="user"/> and returns its exit code and output.
    /// </summary>
    public async Task<(long ExitCode, string Output)> ExecAsync(string shadowId, IReadOnlyList<string> command, string? user = null)
    {
        using var timeout = new CancellationTokenSource(CallTimeout);
        var exec = await Docker.Exec.CreateContainerExecAsync(shadowId, new ContainerExecCreateParameters
        {
            Cmd = [.. command],
            User = user ?? "",
            AttachStdout = true,
            AttachStderr = true,
        }, timeout.Token);

        string output;
        string errorOutput;
        using (var stream = await Docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), timeout.Token))
        {
            (output, errorOutput) = await stream.ReadOutputToEndAsync(timeout.Token);
        }

        var inspected = await Docker.Exec.InspectContainerExecAsync(exec.ID, timeout.Token);
        while (inspected.Running)
        {
            await Task.Delay(20, timeout.Token);
            inspected = await Docker.Exec.InspectContainerExecAsync(exec.ID, timeout.Token);
        }

        return (inspected.ExitCode ?? -1, output + errorOutput);
    }

    /// <summary>Removes a shadow at once, as the PoolManager does when it releases one.</summary>
    public async Task RemoveAsync(string shadowId)
    {
        using var timeout = new CancellationTokenSource(CallTimeout);
        await Docker.Containers.RemoveContainerAsync(shadowId, new ContainerRemoveParameters { Force = true }, timeout.Token);
    }

    /// <summary>
    /// Stops a shadow at once with SIGKILL, because its <c>sleep</c> process ignores SIGTERM.
    /// </summary>
    public async Task KillAsync(string shadowId)
    {
        using var timeout = new CancellationTokenSource(CallTimeout);
        await Docker.Containers.KillContainerAsync(shadowId, new ContainerKillParameters(), timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(CallTimeout);
            var containers = await Docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal)
                {
                    ["label"] = new Dictionary<string, bool>(StringComparer.Ordinal) { [$"{RunLabel}={runId}"] = true },
                },
            }, timeout.Token);

            foreach (var container in containers)
            {
                await Docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, timeout.Token);
            }
        }
        finally
        {
            Docker.Dispose();
        }
    }
}
