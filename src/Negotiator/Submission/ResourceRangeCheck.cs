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
    /// <summary>Returns why <paramref name="task"/> cannot be negotiated within the configured range, or null when it can.</summary>
    public static string? Problem(PartialTask task, NegotiationOptions settings)
    {
        var container = task.Container;
        if (container.Requests.MemoryMiB is { } memoryRequest && memoryRequest > settings.MaxMemoryMiB)
        {
            return $"{Describe(task, "memory-request", "the memory request")} asks for {memoryRequest} MiB, more than the largest " +
                $"allocation of {settings.MaxMemoryMiB} MiB (Negotiation:MaxMemoryMiB). Lower the request, or raise that setting.";
        }

        if (container.Requests.CpuMillicores is { } cpuRequest && cpuRequest > settings.MaxCpuMillicores)
        {
            return $"{Describe(task, "cpu-request", "the CPU request")} asks for {cpuRequest}m, more than the largest " +
                $"allocation of {settings.MaxCpuMillicores}m (Negotiation:MaxCpuMillicores). Lower the request, or raise that setting.";
        }

        if (container.Limits.MemoryMiB is { } memoryLimit && memoryLimit < settings.MinMemoryMiB)
        {
            return $"{Describe(task, "memory-limit", "the memory limit")} allows {memoryLimit} MiB, less than the smallest " +
                $"allocation of {settings.MinMemoryMiB} MiB (Negotiation:MinMemoryMiB). Raise the limit, or lower that setting.";
        }

        if (container.Limits.CpuMillicores is { } cpuLimit && cpuLimit < settings.MinCpuMillicores)
        {
            return $"{Describe(task, "cpu-limit", "the CPU limit")} allows {cpuLimit}m, less than the smallest " +
                $"allocation of {settings.MinCpuMillicores}m (Negotiation:MinCpuMillicores). Raise the limit, or lower that setting.";
        }

        return null;
    }

    // The hint of the same name records where the value was written: document, path and line.
    private static string Describe(PartialTask task, string hintName, string fallback) =>
        task.Hints.FirstOrDefault(hint => hint.Name == hintName) is { } hint
            ? $"{hint.Value} at {hint.Source}"
            : $"{fallback} of task {task.Name}";
}
