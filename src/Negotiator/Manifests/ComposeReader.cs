using EventShadow.Contracts;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Reads a docker-compose file: one task per entry of <c>services</c>. Free-text hints come from the
/// service's <c>eventshadow.hints</c> label.
/// </summary>
/// <remarks>
/// A service with <c>build</c> and no <c>image</c> cannot run in a shadow, because EventShadow runs
/// prebuilt images and builds none. Real compose files often build one service and pull the rest, so
/// such a service is skipped, and every other task of the file carries a <c>skipped-service</c> hint
/// that names it. When no service is left, reading fails.
/// </remarks>
internal static class ComposeReader
{
    public static void Read(ManifestNode file, TaskCollector collector)
    {
        var services = file.Require("services", "a compose file needs services");
        var entries = services.Entries();
        if (entries.Count == 0)
        {
            throw services.Error("services is empty. A compose file needs at least one service with an image");
        }

        var tasks = new List<(PartialTask Task, ManifestLocation Location)>();
        var skipped = new List<(string Name, ManifestNode Service)>();
        foreach (var (name, service) in entries)
        {
            if (service.IsNull || !service.IsMapping)
            {
                throw service.Error($"service '{name}' must be a mapping with at least an image, found {service.Describe()}");
            }

            var imageNode = service.Get("image");
            if (imageNode is null || string.IsNullOrWhiteSpace(imageNode.Text()))
            {
                if (service.Has("build"))
                {
                    skipped.Add((name, service));
                    continue;
                }

                throw service.Missing("image", $"service '{name}' has no image. Every service needs one, such as nginx:1.25");
            }

            tasks.Add((ReadService(name, service, imageNode), service.Location));
        }

        if (tasks.Count == 0)
        {
            var (name, service) = skipped[0];
            throw service.Missing("image", BuildOnlyProblem(name));
        }

        var images = tasks.ToDictionary(entry => entry.Task.Container.Name, entry => entry.Task.Container.Image, StringComparer.Ordinal);
        foreach (var (task, location) in tasks)
        {
            var skipHints = skipped.Select(s => new ResourceHint("skipped-service", $"{s.Name}: {BuildOnlyProblem(s.Name)}", s.Service.Source));
            var dependencyHints = DependencyHints(entries.First(entry => entry.Key == task.Container.Name).Value, images);
            collector.Add(task with { Hints = [.. task.Hints, .. dependencyHints, .. skipHints] }, location);
        }
    }

    /// <summary>
    /// Returns one hint per <c>depends_on</c> entry with the image of the service it names, so that the
    /// analysis can tell a dependency on a database or cache.
    /// </summary>
    private static List<ResourceHint> DependencyHints(ManifestNode service, Dictionary<string, string> images)
    {
        if (service.Get("depends_on") is not { } dependsOn)
        {
            return [];
        }

        var names = dependsOn.IsMapping ? dependsOn.Entries().Select(entry => entry.Key) : dependsOn.Strings();
        return names
            .Where(images.ContainsKey)
            .Select(name => new ResourceHint(Analysis.RequirementAnalyzer.DependencyHint, $"{name}: {images[name]}", dependsOn.Source))
            .ToList();
    }

    private static string BuildOnlyProblem(string name) =>
        $"service '{name}' has build but no image. EventShadow runs prebuilt images and builds none, so add the image that build produces";

    private static PartialTask ReadService(string name, ManifestNode service, ManifestNode imageNode)
    {
        var image = imageNode.Text();
        var hints = new List<ResourceHint> { new("image", image, imageNode.Source) };

        var deployResources = service.Get("deploy")?.Get("resources");
        var deployLimits = deployResources?.Get("limits");
        var deployReservations = deployResources?.Get("reservations");

        var cpuLimit = ReadSetting(service.Get("cpus"), deployLimits?.Get("cpus"), "cpu-limit", ResourceQuantity.ParseComposeCpus, hints);
        var memoryLimit = ReadSetting(service.Get("mem_limit"), deployLimits?.Get("memory"), "memory-limit", ResourceQuantity.ParseComposeBytesLimit, hints);
        var cpuRequest = ReadSetting(null, deployReservations?.Get("cpus"), "cpu-request", ResourceQuantity.ParseComposeCpus, hints);
        var memoryRequest = ReadSetting(service.Get("mem_reservation"), deployReservations?.Get("memory"), "memory-request", ResourceQuantity.ParseComposeBytes, hints);

        CheckLimit(cpuLimit, cpuRequest, "CPU", "m");
        memoryRequest = CheckMemoryLimit(memoryLimit, memoryRequest);

        AddDeviceHints(service.Get("gpus"), deployReservations?.Get("devices"), hints);
        AddPlainHint(service.Get("shm_size"), "shm-size", hints);
        AddPlainHint(service.Get("cpu_shares"), "cpu-shares", hints);
        AddPlainHint(service.Get("deploy")?.Get("replicas") ?? service.Get("scale"), "replicas", hints);
        hints.AddRange(ReadFreeTextHints(service.Get("labels")));
        if (service.Get("depends_on") is { } dependsOn)
        {
            // depends_on is a list of service names or a mapping from name to condition.
            var dependencies = dependsOn.IsMapping ? dependsOn.Entries().Select(e => e.Key) : dependsOn.Strings();
            hints.Add(new ResourceHint("depends-on", string.Join(", ", dependencies), dependsOn.Source));
        }

        var container = new ContainerSpec(
            name,
            image,
            ReadCommand(service.Get("entrypoint")),
            ReadCommand(service.Get("command")),
            ReadEnvironment(service.Get("environment")),
            new ResourceBounds(cpuRequest?.Value, memoryRequest?.Value),
            new ResourceBounds(cpuLimit?.Value, memoryLimit?.Value),
            ContainerPorts.ReadCompose(service.Get("ports"), service.Get("expose")));
        var sources = new ResourceSources(
            cpuRequest?.Node.Written(), memoryRequest?.Node.Written(), cpuLimit?.Node.Written(), memoryLimit?.Node.Written());
        return new PartialTask($"compose/{name}", ManifestFormats.Compose, container, hints) { Resources = sources };
    }

    /// <summary>
    /// Reads a resource that compose accepts in two places, such as <c>mem_limit</c> and
    /// <c>deploy.resources.limits.memory</c>. Both may be set only to the same value.
    /// </summary>
    private static ParsedSetting? ReadSetting(
        ManifestNode? serviceLevel, ManifestNode? deployLevel, string hintName,
        Func<string, ManifestLocation, int> parse, List<ResourceHint> hints)
    {
        ParsedSetting? result = null;
        foreach (var node in new[] { serviceLevel, deployLevel })
        {
            if (node is null)
            {
                continue;
            }

            var text = node.Text();
            var setting = new ParsedSetting(parse(text, node.Location), node);
            hints.Add(new ResourceHint(hintName, text, node.Source));

            if (result is not null && result.Value != setting.Value)
            {
                throw node.Error(
                    $"{node.Path} is {text} but {result.Node.Path} (line {result.Node.Line}) is {result.Node.Text()}. "
                    + "Set one of them, or both to the same value");
            }

            result = setting;
        }

        return result;
    }

    private static void CheckLimit(ParsedSetting? limit, ParsedSetting? request, string resource, string unit)
    {
        if (limit is not null && request is not null && limit.Value < request.Value)
        {
            throw limit.Node.Error(
                $"the {resource} limit {limit.Node.Text()} ({limit.Value}{unit}) is below the {resource} reservation "
                + $"{request.Node.Text()} at {request.Node.Path} ({request.Value}{unit}). A limit must be at least its reservation");
        }
    }

    /// <summary>
    /// Rejects a memory limit below its reservation, comparing the sizes as written, and returns the
    /// reservation. A reservation rounds up to whole MiB and a limit down. So a reservation within one
    /// MiB of its limit can round above it, and is then lowered to the limit.
    /// </summary>
    private static ParsedSetting? CheckMemoryLimit(ParsedSetting? limit, ParsedSetting? request)
    {
        if (limit is null || request is null)
        {
            return request;
        }

        if (ResourceQuantity.MemoryBytes(limit.Node.Text(), ManifestFormats.Compose) < ResourceQuantity.MemoryBytes(request.Node.Text(), ManifestFormats.Compose))
        {
            throw limit.Node.Error(
                $"the memory limit {limit.Node.Text()} ({limit.Value} MiB) is below the memory reservation "
                + $"{request.Node.Text()} at {request.Node.Path} ({request.Value} MiB). A limit must be at least its reservation");
        }

        return request.Value > limit.Value ? request with { Value = limit.Value } : request;
    }

    /// <summary>
    /// Adds a <c>gpu-device</c> hint for <c>gpus</c> and for each reserved device with the gpu
    /// capability, and a <c>device</c> hint for other reserved devices.
    /// </summary>
    private static void AddDeviceHints(ManifestNode? gpus, ManifestNode? devices, List<ResourceHint> hints)
    {
        if (gpus is not null)
        {
            var value = gpus.IsScalar ? gpus.Text() : $"{gpus.Items().Count} device entries";
            hints.Add(new ResourceHint("gpu-device", value, gpus.Source));
        }

        foreach (var device in devices?.Items() ?? [])
        {
            var capabilities = device.Get("capabilities")?.Strings() ?? [];
            var count = device.Get("count")?.Text() ?? (device.Has("device_ids") ? "listed ids" : "all");
            var name = capabilities.Contains("gpu", StringComparer.OrdinalIgnoreCase) ? "gpu-device" : "device";
            var value = $"capabilities={string.Join(',', capabilities)} count={count}";
            if (device.Get("driver") is { } driver)
            {
                value += $" driver={driver.Text()}";
            }

            hints.Add(new ResourceHint(name, value, device.Source));
        }
    }

    /// <summary>
    /// Reads the <c>eventshadow.hints</c> label from <c>labels</c>, a mapping or a list of <c>KEY=VALUE</c>.
    /// </summary>
    private static IReadOnlyList<ResourceHint> ReadFreeTextHints(ManifestNode? labels)
    {
        var freeText = new FreeTextHints();
        if (labels is null)
        {
            return [];
        }

        if (labels.IsMapping)
        {
            if (labels.Get(FreeTextHints.ComposeLabel) is { } label)
            {
                freeText.ReadScalar(label, label.Text());
            }

            return freeText.Hints;
        }

        var prefix = FreeTextHints.ComposeLabel + "=";
        foreach (var item in labels.Items())
        {
            var entry = item.Text();
            if (entry.StartsWith(prefix, StringComparison.Ordinal))
            {
                freeText.ReadScalar(item, entry[prefix.Length..]);
            }
        }

        return freeText.Hints;
    }

    private static void AddPlainHint(ManifestNode? node, string hintName, List<ResourceHint> hints)
    {
        if (node is not null)
        {
            hints.Add(new ResourceHint(hintName, node.Text(), node.Source));
        }
    }

    /// <summary>
    /// Reads <c>command</c> or <c>entrypoint</c>: a list of words, or one string split like a shell would.
    /// </summary>
    private static IReadOnlyList<string>? ReadCommand(ManifestNode? node)
    {
        if (node is null)
        {
            return null;
        }

        return node.IsScalar ? ShellWords.Split(node.Text(), node) : node.Strings();
    }

    /// <summary>
    /// Reads <c>environment</c> as a mapping or as a list of <c>KEY=VALUE</c>. Variables without a value
    /// (<c>KEY</c> alone, or <c>KEY:</c> with null) take their value from the shell that runs compose,
    /// which EventShadow does not have, so they are left out.
    /// </summary>
    private static Dictionary<string, string> ReadEnvironment(ManifestNode? node)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is null)
        {
            return environment;
        }

        if (node.IsMapping)
        {
            foreach (var (key, value) in node.Entries())
            {
                if (!value.IsNull)
                {
                    environment[key] = value.Text();
                }
            }

            return environment;
        }

        foreach (var item in node.Items())
        {
            var entry = item.Text();
            var separator = entry.IndexOf('=', StringComparison.Ordinal);
            if (separator == 0)
            {
                throw item.Error($"environment entry '{entry}' has no variable name. Write it as NAME=value");
            }

            if (separator > 0)
            {
                environment[entry[..separator]] = entry[(separator + 1)..];
            }
        }

        return environment;
    }

    private sealed record ParsedSetting(int Value, ManifestNode Node);
}
