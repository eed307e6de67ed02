namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Where a value sits in a partial task definition: the source, the 1-based YAML document, the path
/// inside that document and the 1-based line. Parts that are unknown are null.
/// </summary>
/// <param name="Path">Dotted path such as <c>spec.template.spec.containers[0].resources.limits.memory</c>.</param>
public sealed record ManifestLocation(string SourceName, int? Document, string? Path, int? Line)
{
    /// <summary>
    /// Formats the location as <c>redis.yaml: document 2, spec.template.spec.containers[0].image (line 23)</c>,
    /// leaving out the parts that are unknown.
    /// </summary>
    public override string ToString()
    {
        var parts = new List<string>(2);
        if (Document is { } document)
        {
            parts.Add($"document {document}");
        }

        if (Path is { } path)
        {
            parts.Add(Line is { } pathLine ? $"{path} (line {pathLine})" : path);
        }
        else if (Line is { } line)
        {
            parts.Add($"line {line}");
        }

        return parts.Count == 0 ? SourceName : $"{SourceName}: {string.Join(", ", parts)}";
    }
}

/// <summary>
/// A partial task definition cannot be read. The message names the source, document, path and line
/// (where known), what is wrong and what is accepted instead. The properties carry the same location
/// for callers that report the field separately.
/// </summary>
public sealed class ManifestException : FormatException
{
    public ManifestException(ManifestLocation location, string problem, Exception? innerException = null)
        : base($"{location}: {problem}", innerException)
    {
        SourceName = location.SourceName;
        Document = location.Document;
        Path = location.Path;
        Line = location.Line;
    }

    public string SourceName { get; }

    /// <summary>1-based number of the YAML document within the definition.</summary>
    public int? Document { get; }

    public string? Path { get; }

    /// <summary>1-based line in the definition's text.</summary>
    public int? Line { get; }
}
