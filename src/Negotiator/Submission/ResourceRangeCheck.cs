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
    /// Returns the error for the first value of <paramref name="task"/> that cannot be negotiated within the
    /// configured range, or null when every value can. The error's location is where the value was written
    /// (document, path and line), or only <paramref name="sourceName"/> when the task does not record it.
    /// </summary>
    public static ManifestException? Check(PartialTask task, string sourceName, NegotiationOptions settings)
    {
        var container = task.Container;
        var sources = task.Resources;
        if (container.Requests.MemoryMiB is { } memoryRequest && memoryRequest > settings.MaxMemoryMiB)
        {
            return Error(task, sourceName, sources.MemoryRequest, "the memory request",
                $"asks for {memoryRequest} MiB, more than the largest allocation of {settings.MaxMemoryMiB} MiB " +
                "(Negotiation:MaxMemoryMiB). Lower the request, or raise that setting.");
        }

        if (container.Requests.CpuMillicores is { } cpuRequest && cpuRequest > settings.MaxCpuMillicores)
        {
            return Error(task, sourceName, sources.CpuRequest, "the CPU request",
                $"asks for {cpuRequest}m, more than the largest allocation of {settings.MaxCpuMillicores}m " +
                "(Negotiation:MaxCpuMillicores). Lower the request, or raise that setting.");
        }

        if (container.Limits.MemoryMiB is { } memoryLimit && memoryLimit < settings.MinMemoryMiB)
        {
            return Error(task, sourceName, sources.MemoryLimit, "the memory limit",
                $"allows {ExactMemoryLimit(task, sources.MemoryLimit, memoryLimit)}, less than the smallest allocation of {settings.MinMemoryMiB} MiB " +
                "(Negotiation:MinMemoryMiB). Raise the limit, or lower that setting.");
        }

        if (container.Limits.CpuMillicores is { } cpuLimit && cpuLimit < settings.MinCpuMillicores)
        {
            return Error(task, sourceName, sources.CpuLimit, "the CPU limit",
                $"allows {cpuLimit}m, less than the smallest allocation of {settings.MinCpuMillicores}m " +
                "(Negotiation:MinCpuMillicores). Raise the limit, or lower that setting.");
        }

        return null;
    }

    // The parsed limit is rounded up to whole MiB, so a limit of 4 KiB would read as 1 MiB. The text as written is exact.
    private static string ExactMemoryLimit(PartialTask task, WrittenQuantity? written, int mebibytes) =>
        written is not null && ResourceQuantity.DescribeMemory(written.Text, task.Format) is { } exact
            ? exact
            : $"{mebibytes} MiB";

    // The location leads the message, so the problem names the setting and the value as written but not the place.
    private static ManifestException Error(PartialTask task, string sourceName, WrittenQuantity? written, string setting, string problem)
    {
        if (written is null)
        {
            return new ManifestException(new ManifestLocation(sourceName, null, null, null), $"{setting} of task {task.Name} {problem}");
        }

        return new ManifestException(written.Location, $"{setting} {written.Text} {problem}");
    }
}
