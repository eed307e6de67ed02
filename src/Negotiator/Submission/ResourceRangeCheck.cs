using EventShadow.Contracts;
using EventShadow.Negotiator.Manifests;

namespace EventShadow.Negotiator.Submission;

/// <summary>
/// Rejects a task whose stated resources no allocation could honour: a request above the largest
/// allocation EventShadow grants, or a limit below the smallest. Committing such a task would break
/// the manifest's own bound, and savings reckoned against an absurd request would be absurd too.
/// </summary>
public static class ResourceRangeCheck
{
    /// <summary>
    /// Returns why <paramref name="task"/> cannot be negotiated within the configured range, or null when it
    /// can. The text names the value's place within <paramref name="sourceName"/> without repeating the
    /// source's name, which the caller's error puts first.
    /// </summary>
    public static string? Problem(PartialTask task, string sourceName, NegotiationOptions settings)
    {
        var container = task.Container;
        if (container.Requests.MemoryMiB is { } memoryRequest && memoryRequest > settings.MaxMemoryMiB)
        {
            return $"{Describe(task, sourceName, "memory-request", "the memory request")} asks for {memoryRequest} MiB, more than the largest " +
                $"allocation of {settings.MaxMemoryMiB} MiB (Negotiation:MaxMemoryMiB). Lower the request, or raise that setting.";
        }

        if (container.Requests.CpuMillicores is { } cpuRequest && cpuRequest > settings.MaxCpuMillicores)
        {
            return $"{Describe(task, sourceName, "cpu-request", "the CPU request")} asks for {cpuRequest}m, more than the largest " +
                $"allocation of {settings.MaxCpuMillicores}m (Negotiation:MaxCpuMillicores). Lower the request, or raise that setting.";
        }

        if (container.Limits.MemoryMiB is { } memoryLimit && memoryLimit < settings.MinMemoryMiB)
        {
            return $"{Describe(task, sourceName, "memory-limit", "the memory limit")} allows {ExactMemoryLimit(task, memoryLimit)}, less than the smallest " +
                $"allocation of {settings.MinMemoryMiB} MiB (Negotiation:MinMemoryMiB). Raise the limit, or lower that setting.";
        }

        if (container.Limits.CpuMillicores is { } cpuLimit && cpuLimit < settings.MinCpuMillicores)
        {
            return $"{Describe(task, sourceName, "cpu-limit", "the CPU limit")} allows {cpuLimit}m, less than the smallest " +
                $"allocation of {settings.MinCpuMillicores}m (Negotiation:MinCpuMillicores). Raise the limit, or lower that setting.";
        }

        return null;
    }

    // The bound is rounded up to whole MiB, so a limit of 4 KiB would read as 1 MiB. The hint keeps the text as written.
    private static string ExactMemoryLimit(PartialTask task, int mebibytes) =>
        task.Hints.FirstOrDefault(hint => hint.Name == "memory-limit") is { } hint && ResourceQuantity.DescribeMemory(hint.Value, task.Format) is { } exact
            ? exact
            : $"{mebibytes} MiB";

    // The hint of the same name records where the value was written: source, document, path and line.
    private static string Describe(PartialTask task, string sourceName, string hintName, string fallback)
    {
        if (task.Hints.FirstOrDefault(hint => hint.Name == hintName) is not { } hint)
        {
            return $"{fallback} of task {task.Name}";
        }

        var prefix = sourceName + ": ";
        var place = hint.Source.StartsWith(prefix, StringComparison.Ordinal) ? hint.Source[prefix.Length..] : hint.Source;
        return $"{hint.Value} at {place}";
    }
}
