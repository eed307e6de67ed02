using System.Globalization;

namespace EventShadow.Validator;

/// <summary>
/// Counters of a shadow's cgroup, read from inside the container. Null where the file was missing or unreadable.
/// </summary>
/// <param name="PeakMemoryBytes">Highest memory use since the cgroup was created, page cache included.</param>
/// <param name="OomKillCount">Processes that the kernel's OOM killer ended since the cgroup was created.</param>
/// <param name="CpuPeriods">CFS enforcement periods that elapsed while a CPU quota was set.</param>
/// <param name="ThrottledPeriods">Of those periods, the ones in which the cgroup used up its quota.</param>
public sealed record CgroupStats(long? PeakMemoryBytes, int? OomKillCount, long? CpuPeriods, long? ThrottledPeriods)
{
    public static readonly CgroupStats Unknown = new(null, null, null, null);

    public double? PeakMemoryMiB => PeakMemoryBytes / (1024.0 * 1024.0);
}

/// <summary>
/// Where the counters live inside a container, for cgroup v1 and for cgroup v2 (unified hierarchy).
/// </summary>
/// <remarks>
/// The counters cover the cgroup's whole life. A shadow runs one workload, so they describe that workload
/// plus the idle process that keeps the shadow alive.
/// </remarks>
public sealed record CgroupLayout(string Name, string PeakMemoryFile, string OomEventsFile, string CpuStatFile)
{
    public static readonly CgroupLayout V1 = new(
        "cgroup v1",
        "/sys/fs/cgroup/memory/memory.max_usage_in_bytes",
        "/sys/fs/cgroup/memory/memory.oom_control",
        "/sys/fs/cgroup/cpu/cpu.stat");

    /// <summary>
    /// Unified hierarchy. Its <c>memory.peak</c> file needs Linux 5.19 or later.
    /// </summary>
    public static readonly CgroupLayout V2 = new(
        "cgroup v2",
        "/sys/fs/cgroup/memory.peak",
        "/sys/fs/cgroup/memory.events",
        "/sys/fs/cgroup/cpu.stat");
}

/// <summary>
/// Parses the text of cgroup files as the kernel writes them.
/// </summary>
public static class CgroupFiles
{
    /// <summary>
    /// Parses a file that contains one number, such as <c>memory.max_usage_in_bytes</c> or <c>memory.peak</c>.
    /// Returns null for empty or non-numeric text.
    /// </summary>
    public static long? ParseSingleValue(string text)
    {
        return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    /// <summary>
    /// Parses a flat keyed file: one <c>key value</c> pair a line, as in <c>cpu.stat</c>,
    /// <c>memory.oom_control</c> and <c>memory.events</c>. Lines that do not fit are skipped.
    /// </summary>
    public static IReadOnlyDictionary<string, long> ParseKeyedValues(string text)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                values[parts[0]] = value;
            }
        }

        return values;
    }

    /// <summary>
    /// Reads the <c>oom_kill</c> count from <c>memory.oom_control</c> (v1, Linux 4.13 and later) or
    /// <c>memory.events</c> (v2). Returns null when the file has no such line.
    /// </summary>
    public static int? ParseOomKillCount(string text)
    {
        return ParseKeyedValues(text).TryGetValue("oom_kill", out var count) ? (int)Math.Min(count, int.MaxValue) : null;
    }

    /// <summary>
    /// Parses the output of one <c>cat</c> of a layout's OOM, peak memory and CPU files together. The
    /// peak is the only line that is a bare number, and the keys of the OOM and CPU files differ, so the
    /// three can be distinguished.
    /// </summary>
    public static CgroupStats ParseCombined(string text)
    {
        long? peak = null;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (ParseSingleValue(line) is { } value)
            {
                peak = value;
                break;
            }
        }

        var (periods, throttled) = ParseCpuThrottling(text);
        return new CgroupStats(peak, ParseOomKillCount(text), periods, throttled);
    }

    /// <summary>
    /// Reads <c>nr_periods</c> and <c>nr_throttled</c> from <c>cpu.stat</c>. Both are absent while no CPU quota is set.
    /// </summary>
    public static (long? Periods, long? Throttled) ParseCpuThrottling(string text)
    {
        var values = ParseKeyedValues(text);
        long? periods = values.TryGetValue("nr_periods", out var p) ? p : null;
        long? throttled = values.TryGetValue("nr_throttled", out var t) ? t : null;
        return (periods, throttled);
    }
}
