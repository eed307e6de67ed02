using YamlDotNet.RepresentationModel;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Reads a partial task definition into the tasks to negotiate, one per container. Accepts Kubernetes
/// objects (multi-document YAML and <c>kind: List</c> too), docker-compose files and the native JSON
/// form, written as YAML or JSON. Each document is read by its shape: a <c>kind</c> key makes it a
/// Kubernetes object, a <c>services</c> key a compose file, an <c>image</c> key the native form. A body
/// sent as <c>text/plain</c> may instead be free-text hints only, which give one task.
/// </summary>
public static class ManifestReader
{
    /// <summary>Maximum number of tasks in one definition. Larger definitions are submitted in parts.</summary>
    public const int MaxTasks = 200;

    /// <summary>Media type of a plain-text body, which may contain free-text hints only.</summary>
    public const string PlainTextMediaType = "text/plain";

    private const string AcceptedShapes =
        "a Kubernetes object (with kind), a docker-compose file (with services) or the native form (with image)";

    private static readonly string[] ShapeKeys = ["kind", "apiVersion", "services", "image"];

    /// <summary>
    /// Reads every task of <paramref name="text"/>. Nothing is returned unless the whole definition is valid.
    /// </summary>
    /// <param name="sourceName">Name of the definition, such as its file name. Every hint source and error message starts with it.</param>
    /// <exception cref="ManifestException">
    /// The text is not YAML or JSON, is empty, has no workload, has more than <see cref="MaxTasks"/> tasks,
    /// or a value in it is missing or invalid. The message names the document, path and line.
    /// </exception>
    public static IReadOnlyList<PartialTask> Read(string text, string sourceName) =>
        ReadDocuments(YamlLoader.Load(text, sourceName), sourceName);

    /// <summary>
    /// Reads every task of <paramref name="text"/>, a body sent with the media type <paramref name="mediaType"/>.
    /// </summary>
    /// <remarks>
    /// A <c>text/plain</c> body is read as free-text hints (see <see cref="HintVocabulary"/>) and gives one
    /// task named <c>text/{first words}</c>, unless its first document is a mapping with <c>kind</c>,
    /// <c>apiVersion</c>, <c>services</c> or <c>image</c>: clients that send manifests as text/plain
    /// keep working. Every other media type, and none, is read as by <see cref="Read(string, string)"/>.
    /// </remarks>
    /// <param name="mediaType">The Content-Type of the body, parameters such as <c>charset</c> included, or null.</param>
    /// <exception cref="ManifestException">
    /// The definition is invalid as for <see cref="Read(string, string)"/>, or the hints contain a phrase outside
    /// the vocabulary, contradict each other or name no hint at all. The message lists the accepted phrases.
    /// </exception>
    public static IReadOnlyList<PartialTask> Read(string text, string sourceName, string? mediaType)
    {
        if (!IsPlainText(mediaType))
        {
            return Read(text, sourceName);
        }

        if (TryLoadDefinition(text, sourceName) is { } documents)
        {
            return ReadDocuments(documents, sourceName);
        }

        return [PlainTextReader.Read(text, sourceName)];
    }

    private static bool IsPlainText(string? mediaType)
    {
        if (mediaType is null)
        {
            return false;
        }

        var parameters = mediaType.IndexOf(';', StringComparison.Ordinal);
        var essence = (parameters < 0 ? mediaType : mediaType[..parameters]).Trim();
        return string.Equals(essence, PlainTextMediaType, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Loads <paramref name="text"/> when it is YAML whose first non-empty document has the shape of a
    /// definition, and returns null when it is not, so that it is read as hints.
    /// </summary>
    private static IReadOnlyList<YamlDocument>? TryLoadDefinition(string text, string sourceName)
    {
        IReadOnlyList<YamlDocument> documents;
        try
        {
            documents = YamlLoader.Load(text, sourceName);
        }
        catch (ManifestException)
        {
            return null;
        }

        var first = documents.Select(document => document.RootNode).FirstOrDefault(root => !ManifestNode.Root(sourceName, 1, root).IsNull);
        var isDefinition = first is YamlMappingNode mapping
            && mapping.Children.Keys.Any(key => key is YamlScalarNode { Value: { } name } && ShapeKeys.Contains(name, StringComparer.Ordinal));
        return isDefinition ? documents : null;
    }

    private static IReadOnlyList<PartialTask> ReadDocuments(IReadOnlyList<YamlDocument> documents, string sourceName)
    {
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
                throw root.Error(
                    $"the document is {root.Describe()}, not a mapping. Expected {AcceptedShapes}. "
                    + $"Free-text hints such as 'needs a database' are read from a body sent as {PlainTextMediaType}");
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
