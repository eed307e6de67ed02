namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Gathers the tasks of one definition across its documents: rejects duplicate task names and
/// definitions with more than <see cref="ManifestReader.MaxTasks"/> tasks, and remembers the objects
/// skipped so that the error for a definition without any workload can list them.
/// </summary>
internal sealed class TaskCollector(string sourceName)
{
    private readonly List<PartialTask> tasks = [];
    private readonly Dictionary<string, ManifestLocation> locations = new(StringComparer.Ordinal);
    private readonly List<string> skipped = [];

    public string SourceName { get; } = sourceName;

    public IReadOnlyList<PartialTask> Tasks => tasks;

    /// <summary>Objects skipped because they have no containers, such as <c>Service (document 2, line 1)</c>.</summary>
    public IReadOnlyList<string> Skipped => skipped;

    public void Add(PartialTask task, ManifestLocation location)
    {
        if (locations.TryGetValue(task.Name, out var first))
        {
            throw new ManifestException(location,
                $"task '{task.Name}' is defined twice (first at {first}). Each container needs a unique kind, object name and container name");
        }

        if (tasks.Count == ManifestReader.MaxTasks)
        {
            throw new ManifestException(location,
                $"the definition has more than {ManifestReader.MaxTasks} containers to negotiate. Submit it in parts of at most {ManifestReader.MaxTasks}");
        }

        tasks.Add(task);
        locations.Add(task.Name, location);
    }

    public void Skip(string kind, ManifestNode node) =>
        skipped.Add($"{kind} (document {node.Document}, line {node.Line})");
}
