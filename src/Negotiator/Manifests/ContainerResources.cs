using EventShadow.Contracts;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Reads Kubernetes-style <c>requests</c> and <c>limits</c> mappings (also used by the native JSON form).
/// CPU and memory become bounds. Every entry, extended resources such as <c>nvidia.com/gpu</c> included,
/// becomes a hint named <c>{resource}-request</c> or <c>{resource}-limit</c>.
/// </summary>
internal static class ContainerResources
{
    public static (ResourceBounds Requests, ResourceBounds Limits, ResourceSources Sources) Read(
        ManifestNode? requests, ManifestNode? limits, string hintPrefix, List<ResourceHint> hints)
    {
        var (requestBounds, cpuRequest, memoryRequest) = ReadBounds(requests, "request", hintPrefix, hints);
        var (limitBounds, cpuLimit, memoryLimit) = ReadBounds(limits, "limit", hintPrefix, hints);

        if (limitBounds.CpuMillicores < requestBounds.CpuMillicores)
        {
            throw cpuLimit!.Error(
                $"the CPU limit {cpuLimit.Text()} ({limitBounds.CpuMillicores}m) is below the CPU request "
                + $"({requestBounds.CpuMillicores}m). A limit must be at least its request");
        }

        if (memoryLimit is not null && memoryRequest is not null)
        {
            var limitBytes = ResourceQuantity.MemoryBytes(memoryLimit.Text(), ManifestFormats.Kubernetes);
            var requestBytes = ResourceQuantity.MemoryBytes(memoryRequest.Text(), ManifestFormats.Kubernetes);
            if (limitBytes < requestBytes)
            {
                throw memoryLimit.Error(
                    $"the memory limit {memoryLimit.Text()} ({limitBounds.MemoryMiB} MiB) is below the memory request "
                    + $"{memoryRequest.Text()} ({requestBounds.MemoryMiB} MiB). A limit must be at least its request");
            }

            // The request rounds up and the limit down, so values within one MiB of each other can cross.
            if (requestBounds.MemoryMiB > limitBounds.MemoryMiB)
            {
                requestBounds = requestBounds with { MemoryMiB = limitBounds.MemoryMiB };
            }
        }

        var sources = new ResourceSources(cpuRequest?.Written(), memoryRequest?.Written(), cpuLimit?.Written(), memoryLimit?.Written());
        return (requestBounds, limitBounds, sources);
    }

    private static (ResourceBounds Bounds, ManifestNode? Cpu, ManifestNode? Memory) ReadBounds(
        ManifestNode? resources, string hintSuffix, string hintPrefix, List<ResourceHint> hints)
    {
        if (resources is null)
        {
            return (ResourceBounds.None, null, null);
        }

        int? cpuMillicores = null;
        int? memoryMiB = null;
        ManifestNode? cpuNode = null;
        ManifestNode? memoryNode = null;
        foreach (var (resource, value) in resources.Entries())
        {
            var text = value.Text();
            switch (resource)
            {
                case "cpu":
                    cpuMillicores = ResourceQuantity.ParseKubernetesCpu(text, value.Location);
                    cpuNode = value;
                    break;
                case "memory":
                    // A limit rounds down, so that an allocation of whole MiB stays within it, and a request rounds up.
                    memoryMiB = hintSuffix == "limit"
                        ? ResourceQuantity.ParseKubernetesMemoryLimit(text, value.Location)
                        : ResourceQuantity.ParseKubernetesMemory(text, value.Location);
                    memoryNode = value;
                    break;
                default:
                    break;
            }

            hints.Add(new ResourceHint($"{hintPrefix}{resource}-{hintSuffix}", text, value.Source));
        }

        return (new ResourceBounds(cpuMillicores, memoryMiB), cpuNode, memoryNode);
    }
}
