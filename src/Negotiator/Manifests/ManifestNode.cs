using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// A YAML node with its location (source, document, path, line), so that every value read from it
/// carries its provenance and every error points at it.
/// </summary>
internal sealed class ManifestNode
{
    private ManifestNode(string sourceName, int document, YamlNode node, string path)
    {
        SourceName = sourceName;
        Document = document;
        Node = node;
        Path = path;
    }

    public string SourceName { get; }

    public int Document { get; }

    public YamlNode Node { get; }

    /// <summary>Path from the document root, such as <c>spec.containers[0].image</c>, or empty at the root.</summary>
    public string Path { get; }

    public int Line => (int)Math.Min(Node.Start.Line, int.MaxValue);

    public ManifestLocation Location => new(SourceName, Document, Path.Length == 0 ? null : Path, Line);

    /// <summary>The location as text, for <see cref="EventShadow.Contracts.ResourceHint.Source"/>.</summary>
    public string Source => Location.ToString();

    /// <summary>
    /// True for an explicit or implicit YAML null (<c>key:</c>, <c>~</c>, <c>null</c>), which counts as absent.
    /// </summary>
    public bool IsNull => Node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public static ManifestNode Root(string sourceName, int document, YamlNode node) => new(sourceName, document, node, string.Empty);

    public ManifestException Error(string problem) => new(Location, problem);

    /// <summary>Returns the scalar's text with its location, for a quantity that later checks may reject.</summary>
    public WrittenQuantity Written() => new(Text(), Location);

    /// <summary>
    /// Creates the error for a required key that is missing: it names the key's path and this node's line.
    /// </summary>
    public ManifestException Missing(string key, string problem) =>
        new(Location with { Path = ChildPath(key) }, problem);

    public bool IsMapping => Node is YamlMappingNode;

    public bool IsSequence => Node is YamlSequenceNode;

    public bool IsScalar => Node is YamlScalarNode;

    /// <summary>
    /// Returns the value of <paramref name="key"/>, or null when the key is absent or its value is null.
    /// Throws when this node is not a mapping.
    /// </summary>
    public ManifestNode? Get(string key)
    {
        var mapping = ExpectMapping();
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is YamlScalarNode scalar && scalar.Value == key)
            {
                var child = new ManifestNode(SourceName, Document, value, ChildPath(key));
                return child.IsNull ? null : child;
            }
        }

        return null;
    }

    public bool Has(string key) => Node is YamlMappingNode && Get(key) is not null;

    public ManifestNode Require(string key, string problem) => Get(key) ?? throw Missing(key, problem);

    /// <summary>
    /// Returns the entries of a mapping in document order, keys as text. Throws when this node is not a mapping.
    /// </summary>
    public IReadOnlyList<(string Key, ManifestNode Value)> Entries()
    {
        var mapping = ExpectMapping();
        var entries = new List<(string, ManifestNode)>(mapping.Children.Count);
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                throw new ManifestNode(SourceName, Document, keyNode, Path).Error(
                    "a mapping key must be a plain string, not a list or a mapping");
            }

            entries.Add((key, new ManifestNode(SourceName, Document, value, ChildPath(key))));
        }

        return entries;
    }

    /// <summary>
    /// Returns the items of a sequence. Throws when this node is not a sequence.
    /// </summary>
    public IReadOnlyList<ManifestNode> Items()
    {
        if (Node is not YamlSequenceNode sequence)
        {
            throw Error($"expected a list, found {Describe()}");
        }

        return sequence.Children
            .Select((item, index) => new ManifestNode(SourceName, Document, item, $"{Path}[{index}]"))
            .ToList();
    }

    /// <summary>
    /// Returns the text of a scalar, or the empty string for a YAML null. Throws for a list or mapping.
    /// </summary>
    public string Text()
    {
        if (Node is not YamlScalarNode scalar)
        {
            throw Error($"expected a single value, found {Describe()}");
        }

        return IsNull ? string.Empty : scalar.Value ?? string.Empty;
    }

    /// <summary>
    /// Returns the texts of a list of scalars, such as a Kubernetes <c>command</c> or <c>args</c>.
    /// </summary>
    public IReadOnlyList<string> Strings()
    {
        if (Node is not YamlSequenceNode)
        {
            throw Error($"expected a list of strings, found {Describe()}");
        }

        return Items().Select(item => item.Text()).ToList();
    }

    /// <summary>Describes the node for error messages: "a mapping", "a list", "no value" or "the value 'x'".</summary>
    public string Describe() => Node switch
    {
        _ when IsNull => "no value",
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar => $"the value '{Shorten(scalar.Value ?? string.Empty)}'",
        _ => "an alias",
    };

    private YamlMappingNode ExpectMapping() =>
        Node as YamlMappingNode ?? throw Error($"expected a mapping of keys to values, found {Describe()}");

    private string ChildPath(string key)
    {
        var segment = IsPlainKey(key) ? key : $"[\"{key.Replace("\"", "\\\"", StringComparison.Ordinal)}\"]";
        if (Path.Length == 0)
        {
            return segment;
        }

        return segment.StartsWith('[') ? Path + segment : $"{Path}.{segment}";
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";

    /// <summary>
    /// Tells whether a key can stand unquoted in a dotted path. Other keys (<c>nvidia.com/gpu</c>, <c>my service</c>) are bracketed.
    /// </summary>
    private static bool IsPlainKey(string key) =>
        key.Length > 0
        && (char.IsAsciiLetter(key[0]) || key[0] == '_')
        && key.All(character => char.IsAsciiLetterOrDigit(character) || character is '_' or '-');
}
