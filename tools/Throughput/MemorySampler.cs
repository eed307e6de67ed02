using System.Diagnostics;
using System.Globalization;

namespace EventShadow.Throughput;

/// <summary>
/// Resident memory samples of one service, oldest first.
/// </summary>
/// <param name="Pid">Process id read from the service's pid file; null when the file is missing.</param>
public sealed record ServiceMemory(string Service, int? Pid, IReadOnlyList<(TimeSpan At, long Kib)> Samples);

/// <summary>
/// Samples the resident set size (VmRSS in /proc/PID/status) of each service that infra/services.sh
/// started, using the pid files it writes to run/SERVICE.pid under the state folder.
/// </summary>
public sealed class MemorySampler(string stateDirectory, TimeSpan interval)
{
    public static readonly IReadOnlyList<string> Services = ["Negotiator", "PoolManager", "Validator", "CostLedger"];

    /// <summary>Samples until <paramref name="cancellationToken"/> is cancelled, then returns every sample.</summary>
    public async Task<IReadOnlyList<ServiceMemory>> RunAsync(CancellationToken cancellationToken)
    {
        var pids = Services.ToDictionary(service => service, ReadPid, StringComparer.Ordinal);
        foreach (var (service, pid) in pids.Where(entry => entry.Value is null))
        {
            Console.Error.WriteLine($"No running {service} found through {PidFile(service)}; its memory is not sampled.");
        }

        var samples = Services.ToDictionary(service => service, _ => new List<(TimeSpan, long)>(), StringComparer.Ordinal);
        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(interval);
        do
        {
            foreach (var (service, pid) in pids)
            {
                if (pid is { } id && ReadRssKib(id) is { } kib)
                {
                    samples[service].Add((Stopwatch.GetElapsedTime(started), kib));
                }
            }
        }
        while (await Tick(timer, cancellationToken));

        return Services.Select(service => new ServiceMemory(service, pids[service], samples[service])).ToList();
    }

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private string PidFile(string service) => Path.Combine(stateDirectory, "run", service.ToLowerInvariant() + ".pid");

    private int? ReadPid(string service)
    {
        var file = PidFile(service);
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
            File.Exists($"/proc/{pid}/status")
            ? pid
            : null;
    }

    /// <summary>Returns the VmRSS of <paramref name="pid"/> in KiB, or null once the process is gone.</summary>
    internal static long? ReadRssKib(int pid)
    {
        try
        {
            return ParseRssKib(File.ReadLines($"/proc/{pid}/status"));
        }
        catch (IOException)
        {
            return null;
        }
    }

    internal static long? ParseRssKib(IEnumerable<string> statusLines)
    {
        foreach (var line in statusLines)
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var number = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib : null;
            }
        }

        return null;
    }
}
