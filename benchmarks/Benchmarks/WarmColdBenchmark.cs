using System.Diagnostics;
using System.Globalization;
using Docker.DotNet;
using EventShadow.Contracts;
using EventShadow.PoolManager;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EventShadow.Benchmarks;

/// <summary>
/// Times a warm claim against a cold start of the same workload on the same image, side by side: from
/// the claim to a running workload with the allocation applied, and on to the first passing readiness
/// check. Each iteration runs one of each, alternating which goes first; warm shadows are warmed and
/// every container is removed outside the timed part. After each claim the benchmark checks, untimed,
/// that the kernel enforces the allocation's memory limit.
/// </summary>
public static class WarmColdBenchmark
{
    public const string Command = "warm-vs-cold";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var iterations = args.Count >= 2 && args[0] == "--iterations" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        if (iterations is < 1 or > 200)
        {
            Console.Error.WriteLine("--iterations must be between 1 and 200.");
            return 2;
        }

        var pool = $"benchmark-{Guid.NewGuid():N}"[..20];
        var options = Options.Create(LoadOptions(pool));
        using var docker = new DockerClientBuilder().WithEndpoint(new Uri(Setting("Docker__Endpoint", "unix:///var/run/docker.sock"))).Build();
        var containers = new ShadowContainers(docker, options, TimeProvider.System, NullLogger<ShadowContainers>.Instance);
        var workload = new ShadowImageCatalog(options).Resolve(
            new ContainerSpec("cache", "redis:7", null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None));
        var allocation = new ResourceAllocation(250, 128);

        var warm = new List<Sample>();
        var cold = new List<Sample>();
        try
        {
            // One untimed round of each loads the image and the engine's caches.
            await MeasureColdAsync(docker, containers, Request(workload, allocation));
            await MeasureWarmAsync(docker, containers, Request(workload, allocation));

            for (var iteration = 0; iteration < iterations; iteration++)
            {
                if (iteration % 2 == 0)
                {
                    warm.Add(await MeasureWarmAsync(docker, containers, Request(workload, allocation)));
                    cold.Add(await MeasureColdAsync(docker, containers, Request(workload, allocation)));
                }
                else
                {
                    cold.Add(await MeasureColdAsync(docker, containers, Request(workload, allocation)));
                    warm.Add(await MeasureWarmAsync(docker, containers, Request(workload, allocation)));
                }
            }
        }
        finally
        {
            foreach (var leftover in await containers.ListPoolAsync(pool, CancellationToken.None))
            {
                await containers.RemoveAsync(leftover.ShadowId, CancellationToken.None);
            }
        }

        Print(iterations, workload.Image, allocation, warm, cold);
        return 0;
    }

    private static async Task<Sample> MeasureWarmAsync(IDockerClient docker, ShadowContainers containers, ShadowRequest request)
    {
        var (warmId, _) = await containers.CreateWarmAsync(new WarmShadowRequest(request.Profile, request.Workload), CancellationToken.None);

        var clock = Stopwatch.StartNew();
        var claim = await containers.ClaimWarmAsync(warmId, request, CancellationToken.None);
        var running = clock.Elapsed.TotalMilliseconds;
        await claim.EngineUpdate;
        var recorded = clock.Elapsed.TotalMilliseconds;
        await WaitUntilReadyAsync(docker, claim.ShadowId, request.Workload.Readiness!);
        var ready = clock.Elapsed.TotalMilliseconds;

        await CheckMemoryLimitAsync(docker, claim.ShadowId, request.Allocation);
        await containers.RemoveAsync(claim.ShadowId, CancellationToken.None);
        return new Sample(running, recorded, ready);
    }

    private static async Task<Sample> MeasureColdAsync(IDockerClient docker, ShadowContainers containers, ShadowRequest request)
    {
        var clock = Stopwatch.StartNew();
        var claim = await containers.ClaimAsync(request, CancellationToken.None);
        var running = clock.Elapsed.TotalMilliseconds;
        await WaitUntilReadyAsync(docker, claim.ShadowId, request.Workload.Readiness!);
        var ready = clock.Elapsed.TotalMilliseconds;

        await CheckMemoryLimitAsync(docker, claim.ShadowId, request.Allocation);
        await containers.RemoveAsync(claim.ShadowId, CancellationToken.None);
        return new Sample(running, running, ready);
    }

    /// <summary>Fails the run unless the shadow's memory limit, as its own cgroup reports it, is the allocation's.</summary>
    private static async Task CheckMemoryLimitAsync(IDockerClient docker, string containerId, ResourceAllocation allocation)
    {
        var exec = await docker.Exec.CreateContainerExecAsync(
            containerId,
            new Docker.DotNet.Models.ContainerExecCreateParameters { Cmd = ["cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"], AttachStdout = true, AttachStderr = true });
        using var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new Docker.DotNet.Models.ContainerExecStartParameters());
        var (output, _) = await stream.ReadOutputToEndAsync(CancellationToken.None);
        var expected = (allocation.MemoryMiB * 1024L * 1024L).ToString(CultureInfo.InvariantCulture);
        if (output.Trim() != expected)
        {
            throw new InvalidOperationException($"shadow {containerId} has a memory limit of '{output.Trim()}' bytes, not the allocation's {expected}.");
        }
    }

    /// <summary>Runs the readiness command until it exits with 0, at most 30 seconds.</summary>
    private static async Task WaitUntilReadyAsync(IDockerClient docker, string containerId, ReadinessProbe readiness)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (DateTimeOffset.UtcNow < deadline)
        {
            var exec = await docker.Exec.CreateContainerExecAsync(
                containerId,
                new Docker.DotNet.Models.ContainerExecCreateParameters { Cmd = [.. readiness.Command], User = readiness.User ?? "", AttachStdout = true, AttachStderr = true });
            using (var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new Docker.DotNet.Models.ContainerExecStartParameters()))
            {
                await stream.ReadOutputToEndAsync(CancellationToken.None);
            }

            if ((await docker.Exec.InspectContainerExecAsync(exec.ID)).ExitCode == 0)
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"`{string.Join(' ', readiness.Command)}` did not pass in shadow {containerId} within 30 s.");
    }

    private static ShadowRequest Request(ShadowWorkload workload, ResourceAllocation allocation) =>
        new(Guid.NewGuid(), 1, WorkloadProfile.Cache, allocation, workload);

    private static ShadowOptions LoadOptions(string pool)
    {
        var settings = FindRepositoryFile(Path.Combine("src", "PoolManager", "appsettings.json"));
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(settings)
            .AddInMemoryCollection(new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["Shadows:WorkloadImage"] = Setting("Shadows__WorkloadImage", "eventshadow/workload:1"),
                ["Shadows:Pool"] = pool,
                ["Shadows:InstanceName"] = "warm-vs-cold-benchmark",
            })
            .Build();
        var options = new ShadowOptions();
        configuration.GetSection(ShadowOptions.SectionName).Bind(options);
        return options;
    }

    private static string FindRepositoryFile(string relativePath)
    {
        for (var folder = new DirectoryInfo(Directory.GetCurrentDirectory()); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relativePath} was not found above {Directory.GetCurrentDirectory()}; run the benchmark from the repository.");
    }

    private static string Setting(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    private static void Print(int iterations, string image, ResourceAllocation allocation, List<Sample> warm, List<Sample> cold)
    {
        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(culture, $"{iterations} iterations each, image {image}, redis mapping, allocation {allocation}."));
        Console.WriteLine();
        Console.WriteLine("| start | to running workload: median | mean | p90 | min | max | engine records the claim: median | to ready (redis-cli ping): median | mean |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, samples) in (IEnumerable<(string, List<Sample>)>)[("cold (baseline)", cold), ("warm", warm)])
        {
            var running = samples.Select(sample => sample.Running).Order().ToArray();
            var recorded = samples.Select(sample => sample.EngineRecorded).Order().ToArray();
            var ready = samples.Select(sample => sample.Ready).Order().ToArray();
            Console.WriteLine(string.Create(
                culture,
                $"| {name} | {Median(running):F1} ms | {running.Average():F1} ms | {Percentile(running, 0.9):F1} ms | {running[0]:F1} ms | {running[^1]:F1} ms | {Median(recorded):F1} ms | {Median(ready):F1} ms | {ready.Average():F1} ms |"));
        }

        var ratio = Median(warm.Select(sample => sample.Running).Order().ToArray()) / Median(cold.Select(sample => sample.Running).Order().ToArray());
        var readyRatio = Median(warm.Select(sample => sample.Ready).Order().ToArray()) / Median(cold.Select(sample => sample.Ready).Order().ToArray());
        Console.WriteLine();
        Console.WriteLine(string.Create(culture, $"Warm/cold, medians: {ratio:F3} to a running workload, {readyRatio:F3} to ready."));
    }

    private static double Median(double[] sorted) => Percentile(sorted, 0.5);

    private static double Percentile(double[] sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Milliseconds from the claim to a running workload, to the engine's record of the claim, and to readiness.</summary>
    private sealed record Sample(double Running, double EngineRecorded, double Ready);
}
