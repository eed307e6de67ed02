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

    public const int MaxNameLength = 300;
    public const int MaxImageLength = 512;

    public void Add(PartialTask task, ManifestLocation location)
    {
        // Names and images reach logs, terminals and file names: control and invisible format
        // characters there could forge log lines or rewrite an operator's screen.
        if (task.Name.Length > MaxNameLength || task.Name.Any(IsUnprintable))
        {
            throw new ManifestException(location,
                $"the task name '{Printable(task.Name)}' (from the object, service and container names) has control or " +
                $"invisible characters or more than {MaxNameLength} characters. Use letters, digits, '-', '_' and '.'");
        }

        var image = task.Container.Image;
        if (image.Length > MaxImageLength || image.Any(character => IsUnprintable(character) || char.IsWhiteSpace(character)))
        {
            throw new ManifestException(location,
                $"the image '{Printable(image)}' has spaces, control or invisible characters, or more than {MaxImageLength} characters");
        }

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

    /// <summary>Returns <paramref name="text"/> with control and format characters written as <c>\uXXXX</c>, at most 80 characters.</summary>
    public static string Printable(string text)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var character in text.Length > 80 ? text[..80] : text)
        {
            builder.Append(IsUnprintable(character) ? $"\\u{(int)character:X4}" : character.ToString());
        }

        return text.Length > 80 ? builder.Append('…').ToString() : builder.ToString();
    }

    private static bool IsUnprintable(char character) =>
        char.IsControl(character) || char.GetUnicodeCategory(character) == System.Globalization.UnicodeCategory.Format;

    public void Skip(string kind, ManifestNode node) =>
        skipped.Add($"{kind} (document {node.Document}, line {node.Line})");
}
