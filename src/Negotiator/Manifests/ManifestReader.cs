using YamlDotNet.RepresentationModel;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Reads a partial task definition into the tasks to negotiate, one per container. Accepts Kubernetes
/// objects (multi-document YAML and <c>kind: List</c> too), docker-compose files and the native JSON
/// form, written as YAML or JSON. Each document is read by its shape: a <c>kind</c> key makes it a
/// Kubernetes object, a <c>services</c> key a compose file, an <c>image</c> key the native form.
/// </summary>
public static class ManifestReader
{
    /// <summary>Maximum number of tasks in one definition. Larger definitions are submitted in parts.</summary>
    public const int MaxTasks = 200;

    private const string AcceptedShapes =
        "a Kubernetes object (with kind), a docker-compose file (with services) or the native form (with image)";

    /// <summary>
    /// Reads every task of <paramref name="text"/>. Nothing is returned unless the whole definition is valid.
    /// </summary>
    /// <param name="sourceName">Name of the definition, such as its file name. Every hint source and error message starts with it.</param>
    /// <exception cref="ManifestException">
    /// The text is not YAML or JSON, is empty, has no workload, has more than <see cref="MaxTasks"/> tasks,
    /// or a value in it is missing or invalid. The message names the document, path and line.
    /// </exception>
    public static IReadOnlyList<PartialTask> Read(string text, string sourceName)
    {
        var documents = YamlLoader.Load(text, sourceName);
        var collector = new TaskCollector(sourceName);
        var nonEmptyDocuments = 0;

        for (var index = 0; index < documents.Count; index++)
        {
            var root = ManifestNode.Root(sourceName, index + 1, documents[index].RootNode);
            if (root.IsNull)
            {
                // An empty document, such as the one after a trailing "---".
                continue;
            }

            nonEmptyDocuments++;
            ReadDocument(root, collector);
        }

        if (nonEmptyDocuments == 0)
        {
            throw new ManifestException(new ManifestLocation(sourceName, null, null, null),
                $"the definition is empty. Expected {AcceptedShapes}");
        }

        if (collector.Tasks.Count == 0)
        {
            var found = collector.Skipped.Count == 0 ? "nothing but empty lists" : string.Join(", ", collector.Skipped);
            throw new ManifestException(new ManifestLocation(sourceName, null, null, null),
                $"the definition contains no workload, only {found}. "
                + $"Accepted workload kinds: {KubernetesReader.WorkloadKinds}, or a compose file or the native form");
        }

        return collector.Tasks;
    }

    private static void ReadDocument(ManifestNode root, TaskCollector collector)
    {
        switch (root.Node)
        {
            case YamlSequenceNode:
                throw root.Error($"the document is a list. Expected {AcceptedShapes}. Several Kubernetes objects go in a kind: List with items, or in documents separated by ---");
            case YamlScalarNode:
                throw root.Error($"the document is {root.Describe()}, not a mapping. Expected {AcceptedShapes}");
            default:
                break;
        }

        if (root.Has("kind") || root.Has("apiVersion"))
        {
            KubernetesReader.ReadObject(root, impliedKind: null, collector);
        }
        else if (root.Has("services"))
        {
            ComposeReader.Read(root, collector);
        }
        else if (root.Has("image"))
        {
            NativeTaskReader.Read(root, collector);
        }
        else
        {
            var keys = root.Entries().Select(entry => entry.Key).Take(10).ToList();
            var found = keys.Count == 0 ? "it is an empty mapping" : $"its keys are {string.Join(", ", keys)}";
            throw root.Error($"the document is not a definition EventShadow reads ({found}). Expected {AcceptedShapes}");
        }
    }
}
