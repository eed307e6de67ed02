using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace EventShadow.NegotiationReplay;

/// <summary>
/// Runs a workload under its committed allocation, as a scheduler would launch it, and measures its
/// true peak memory and any OOM kill from the container's cgroup.
/// </summary>
public sealed class PostCommitCheck(IDockerClient docker, string image, TimeSpan duration)
{
    public const string Label = "eventshadow.replay";

    public sealed record Measured(double PeakMiB, int OomKills);

    public async Task<Measured> RunAsync(ReplayWorkload workload, int memoryMiB, int cpuMillicores, CancellationToken cancellationToken)
    {
        var info = await docker.System.GetSystemInfoAsync(cancellationToken);
        var nanoCpus = Math.Min(cpuMillicores * 1_000_000L, info.NCPU * 1_000_000_000L);
        var bytes = memoryMiB * 1024L * 1024L;

        var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = image,
            Entrypoint = ["stress-ng"],
            Cmd = [.. workload.Args],
            Labels = new Dictionary<string, string>(StringComparer.Ordinal) { [Label] = "true" },
            HostConfig = new HostConfig
            {
                Memory = bytes,
                MemorySwap = bytes,
                NanoCPUs = nanoCpus,
                NetworkMode = "none",
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges"],
            },
        }, cancellationToken);

        try
        {
            await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken);
            await Task.Delay(duration, cancellationToken);

            var peak = await ReadAsync(created.ID, "/sys/fs/cgroup/memory/memory.max_usage_in_bytes", cancellationToken);
            var oomControl = await ReadAsync(created.ID, "/sys/fs/cgroup/memory/memory.oom_control", cancellationToken);
            return new Measured(ParseBytes(peak) / 1024.0 / 1024.0, ParseOomKills(oomControl));
        }
        finally
        {
            await docker.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }

    public static long ParseBytes(string text) =>
        long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : 0;

    /// <summary>Reads <c>oom_kill N</c> from a cgroup v1 <c>memory.oom_control</c> file.</summary>
    public static int ParseOomKills(string oomControl)
    {
        foreach (var line in oomControl.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is ["oom_kill", var count] && int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var kills))
            {
                return kills;
            }
        }

        return 0;
    }

    private async Task<string> ReadAsync(string containerId, string path, CancellationToken cancellationToken)
    {
        var exec = await docker.Exec.CreateContainerExecAsync(containerId, new ContainerExecCreateParameters
        {
            Cmd = ["cat", path],
            AttachStdout = true,
            AttachStderr = true,
        }, cancellationToken);
        using var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken);
        var (stdout, _) = await stream.ReadOutputToEndAsync(cancellationToken);
        return stdout;
    }
}
