using Docker.DotNet;
using Docker.DotNet.Models;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.PoolManager;

namespace EventShadow.IntegrationTests.PoolManager;

/// <summary>
/// Direct Docker Engine access for PoolManager tests: finds the shadows of a negotiation, runs
/// commands in them, and removes every shadow a test made. One client serves the whole test run.
/// </summary>
internal static class ShadowDocker
{
    private static readonly Lazy<DockerClient> SharedClient = new(() => new DockerClientBuilder().WithEndpoint(TestSettings.DockerEndpoint).Build());

    public static DockerClient Client => SharedClient.Value;

    public static async Task<IList<ContainerListResponse>> ListShadowsAsync(Guid negotiationId)
    {
        return await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal)
            {
                ["label"] = new Dictionary<string, bool>(StringComparer.Ordinal) { [ShadowLabels.NegotiationFilter(negotiationId)] = true },
            },
        });
    }

    /// <summary>
    /// Runs <paramref name="command"/> in a container and returns its exit code and standard output.
    /// </summary>
    public static async Task<(long ExitCode, string Output)> ExecAsync(string containerId, IReadOnlyList<string> command, string? user = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var exec = await Client.Exec.CreateContainerExecAsync(
            containerId,
            new ContainerExecCreateParameters { Cmd = [.. command], User = user ?? "", AttachStdout = true, AttachStderr = true },
            timeout.Token);

        using (var stream = await Client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), timeout.Token))
        {
            var (stdout, _) = await stream.ReadOutputToEndAsync(timeout.Token);
            var inspected = await Client.Exec.InspectContainerExecAsync(exec.ID, timeout.Token);
            return (inspected.ExitCode ?? -1, stdout);
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> until it exits with 0 and returns its output; fails with the last
    /// exit code and output when <paramref name="timeout"/> passes first.
    /// </summary>
    public static async Task<string> WaitUntilSucceedsAsync(string containerId, IReadOnlyList<string> command, string? user, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        (long ExitCode, string Output) last = (-1, "");
        while (DateTimeOffset.UtcNow < deadline)
        {
            last = await ExecAsync(containerId, command, user);
            if (last.ExitCode == 0)
            {
                return last.Output;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException(
            $"`{string.Join(' ', command)}` in {containerId} did not succeed within {timeout}; last exit code {last.ExitCode}, output: {last.Output}");
    }

    /// <summary>
    /// Lists every container of <paramref name="pool"/>, warm or claimed, in any state.
    /// </summary>
    public static async Task<IList<ContainerListResponse>> ListPoolAsync(string pool)
    {
        return await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal)
            {
                ["label"] = new Dictionary<string, bool>(StringComparer.Ordinal) { [$"{ShadowLabels.Pool}={pool}"] = true },
            },
        });
    }

    /// <summary>
    /// Removes every container of <paramref name="pool"/>.
    /// </summary>
    public static async Task RemovePoolAsync(string pool)
    {
        foreach (var container in await ListPoolAsync(pool))
        {
            await RemoveAsync(container.ID);
        }
    }

    /// <summary>
    /// Polls the containers of <paramref name="pool"/> until <paramref name="condition"/> holds and
    /// returns them; fails with what it saw when <paramref name="timeout"/> passes first.
    /// </summary>
    public static async Task<IList<ContainerListResponse>> WaitForPoolAsync(
        string pool, Func<IList<ContainerListResponse>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        IList<ContainerListResponse> containers = [];
        while (DateTimeOffset.UtcNow < deadline)
        {
            containers = await ListPoolAsync(pool);
            if (condition(containers))
            {
                return containers;
            }

            await Task.Delay(250);
        }

        var seen = string.Join(", ", containers.Select(container => $"{container.Names?.FirstOrDefault()} ({container.State})"));
        throw new TimeoutException($"Pool {pool} did not reach the expected state within {timeout}; it holds: [{seen}]");
    }

    /// <summary>
    /// Removes every container labelled with one of <paramref name="negotiationIds"/>.
    /// </summary>
    public static async Task RemoveShadowsAsync(IEnumerable<Guid> negotiationIds)
    {
        foreach (var negotiationId in negotiationIds)
        {
            foreach (var container in await ListShadowsAsync(negotiationId))
            {
                await RemoveAsync(container.ID);
            }
        }
    }

    public static async Task RemoveAsync(string containerId)
    {
        try
        {
            await Client.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true, RemoveVolumes = true });
        }
        catch (DockerContainerNotFoundException)
        {
            // Already gone.
        }
    }
}
