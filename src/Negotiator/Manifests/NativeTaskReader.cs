using EventShadow.Contracts;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Reads the native form, one task per document:
/// <c>{"name": "web", "image": "nginx:1.25", "command": [...], "args": [...], "env": {"K": "V"},
/// "requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {...}, "ports": [8080], "hints": ["needs a database"]}</c>.
/// Quantities are written as in Kubernetes, hints as in <see cref="HintVocabulary"/>. Unlike the
/// Kubernetes and compose shapes, which carry many fields EventShadow does not need, every key of this
/// form means something, so an unknown key (usually a typo) is an error.
/// </summary>
internal static class NativeTaskReader
{
    private static readonly string[] AcceptedKeys = ["name", "image", "command", "args", "env", "requests", "limits", "ports", "hints"];

    public static void Read(ManifestNode task, TaskCollector collector)
    {
        foreach (var (key, value) in task.Entries())
        {
            if (!AcceptedKeys.Contains(key, StringComparer.Ordinal))
            {
                throw value.Error($"unknown key '{key}' in the native form. Accepted keys: {string.Join(", ", AcceptedKeys)}");
            }
        }

        var name = task.Get("name")?.Text();
        if (string.IsNullOrWhiteSpace(name))
        {
            throw task.Missing("name", "the native form needs a task name, such as \"name\": \"web\"");
        }

        var imageNode = task.Get("image")!;
        var image = imageNode.Text();
        if (string.IsNullOrWhiteSpace(image))
        {
            throw imageNode.Error($"task '{name}' has an empty image. It needs one, such as \"image\": \"nginx:1.25\"");
        }

        var hints = new List<ResourceHint> { new("image", image, imageNode.Source) };
        var (requests, limits, sources) = ContainerResources.Read(task.Get("requests"), task.Get("limits"), string.Empty, hints);
        if (task.Get("hints") is { } hintsNode)
        {
            var freeText = new FreeTextHints();
            freeText.ReadNode(hintsNode);
            hints.AddRange(freeText.Hints);
        }

        var container = new ContainerSpec(
            name,
            image,
            task.Get("command")?.Strings(),
            task.Get("args")?.Strings(),
            ReadEnvironment(task.Get("env")),
            requests,
            limits,
            ContainerPorts.ReadCompose(task.Get("ports"), null));
        collector.Add(new PartialTask($"json/{name}", ManifestFormats.Json, container, hints) { Resources = sources }, task.Location);
    }

    private static Dictionary<string, string> ReadEnvironment(ManifestNode? env)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in env?.Entries() ?? [])
        {
            environment[key] = value.Text();
        }

        return environment;
    }
}
