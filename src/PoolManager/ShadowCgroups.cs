using System.Globalization;

namespace EventShadow.PoolManager;

/// <summary>
/// One write to a cgroup file: the file's name inside the container's cgroup folder and the text to write.
/// </summary>
public sealed record CgroupWrite(string File, string Value);

/// <summary>
/// What to write into a container's cgroup v1 files so that its limits become an allocation, in the order
/// the kernel accepts.
/// </summary>
public static class CgroupV1Limits
{
    public const string MemoryLimitFile = "memory.limit_in_bytes";
    public const string MemorySwapLimitFile = "memory.memsw.limit_in_bytes";
    public const string CpuQuotaFile = "cpu.cfs_quota_us";
    public const string CpuPeriodFile = "cpu.cfs_period_us";

    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>
    /// Returns the writes that set memory to <paramref name="newLimitBytes"/> with no swap. The kernel
    /// rejects a memory limit above the memory+swap limit, so a raise writes memory+swap first and a
    /// cut writes memory first. Without swap accounting (<paramref name="hasSwapLimit"/> false) only
    /// the memory limit is written.
    /// </summary>
    public static IReadOnlyList<CgroupWrite> MemoryWrites(long currentLimitBytes, long newLimitBytes, bool hasSwapLimit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newLimitBytes);
        var value = newLimitBytes.ToString(CultureInfo.InvariantCulture);
        var memory = new CgroupWrite(MemoryLimitFile, value);
        if (!hasSwapLimit)
        {
            return [memory];
        }

        var swap = new CgroupWrite(MemorySwapLimitFile, value);
        return newLimitBytes >= currentLimitBytes ? [swap, memory] : [memory, swap];
    }

    /// <summary>
    /// Returns the CFS quota, in microseconds per <paramref name="periodMicroseconds"/>, that gives
    /// <paramref name="nanoCpus"/> (Docker's unit: 10^-9 CPUs), rounded down as Docker rounds it, and at
    /// least the kernel's minimum of 1,000 µs.
    /// </summary>
    public static long CpuQuotaMicroseconds(long nanoCpus, long periodMicroseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nanoCpus);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodMicroseconds);
        return Math.Max(1000, (long)(nanoCpus * (decimal)periodMicroseconds / NanosecondsPerSecond));
    }
}

/// <summary>
/// Reads and writes the cgroup v1 files of this Docker host's shadow containers directly, which takes
/// microseconds where the engine's equivalent calls each start a runc process.
/// </summary>
/// <remarks>
/// Needs root on the Docker host and the cgroupfs or systemd layout of Docker's cgroup v1 driver. Where
/// the files are missing or not writable each method reports it, and callers use the engine's API.
/// </remarks>
public sealed class ShadowCgroups(IReadOnlyList<string> memoryFolders, IReadOnlyList<string> cpuFolders)
{
    /// <summary>Where Docker's cgroupfs and systemd drivers put containers under the v1 memory controller.</summary>
    public static readonly IReadOnlyList<string> DefaultMemoryFolders =
        ["/sys/fs/cgroup/memory/docker", "/sys/fs/cgroup/memory/system.slice"];

    /// <summary>Where Docker's cgroupfs and systemd drivers put containers under the v1 CPU controller.</summary>
    public static readonly IReadOnlyList<string> DefaultCpuFolders =
        ["/sys/fs/cgroup/cpu/docker", "/sys/fs/cgroup/cpu/system.slice", "/sys/fs/cgroup/cpu,cpuacct/docker", "/sys/fs/cgroup/cpu,cpuacct/system.slice"];

    public IReadOnlyList<string> MemoryFolders { get; } = memoryFolders.Count > 0 ? memoryFolders : DefaultMemoryFolders;

    public IReadOnlyList<string> CpuFolders { get; } = cpuFolders.Count > 0 ? cpuFolders : DefaultCpuFolders;

    /// <summary>
    /// Resets the container's peak memory counter (<c>memory.max_usage_in_bytes</c>). Returns null when
    /// done, otherwise why not.
    /// </summary>
    public string? ResetPeakMemory(string containerId)
    {
        var folder = FindFolder(MemoryFolders, containerId, "memory.max_usage_in_bytes");
        if (folder is null)
        {
            return $"no memory.max_usage_in_bytes under {string.Join(", ", MemoryFolders)}";
        }

        return TryWrite(folder, new CgroupWrite("memory.max_usage_in_bytes", "0"));
    }

    /// <summary>
    /// Sets the container's memory limit, with no swap, and its CPU quota. Returns null when both are in
    /// force, otherwise why not. A failure part way leaves limits that the caller must set again through
    /// the engine.
    /// </summary>
    public string? ApplyLimits(string containerId, long memoryBytes, long nanoCpus)
    {
        var memory = FindFolder(MemoryFolders, containerId, CgroupV1Limits.MemoryLimitFile);
        if (memory is null)
        {
            return $"no {CgroupV1Limits.MemoryLimitFile} under {string.Join(", ", MemoryFolders)}";
        }

        var cpu = FindFolder(CpuFolders, containerId, CgroupV1Limits.CpuQuotaFile);
        if (cpu is null)
        {
            return $"no {CgroupV1Limits.CpuQuotaFile} under {string.Join(", ", CpuFolders)}";
        }

        try
        {
            var current = ReadNumber(memory, CgroupV1Limits.MemoryLimitFile);
            var period = ReadNumber(cpu, CgroupV1Limits.CpuPeriodFile);
            var hasSwapLimit = File.Exists(Path.Combine(memory, CgroupV1Limits.MemorySwapLimitFile));
            foreach (var write in CgroupV1Limits.MemoryWrites(current, memoryBytes, hasSwapLimit))
            {
                if (TryWrite(memory, write) is { } error)
                {
                    return error;
                }
            }

            var quota = CgroupV1Limits.CpuQuotaMicroseconds(nanoCpus, period);
            return TryWrite(cpu, new CgroupWrite(CgroupV1Limits.CpuQuotaFile, quota.ToString(CultureInfo.InvariantCulture)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return ex.Message;
        }
    }

    private static string? FindFolder(IReadOnlyList<string> parents, string containerId, string file)
    {
        foreach (var parent in parents)
        {
            foreach (var candidate in (string[])[Path.Combine(parent, containerId), Path.Combine(parent, $"docker-{containerId}.scope")])
            {
                if (File.Exists(Path.Combine(candidate, file)))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static long ReadNumber(string folder, string file) =>
        long.Parse(File.ReadAllText(Path.Combine(folder, file)).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static string? TryWrite(string folder, CgroupWrite write)
    {
        try
        {
            File.WriteAllText(Path.Combine(folder, write.File), write.Value);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"writing {write.Value} to {write.File} failed: {ex.Message}";
        }
    }
}
