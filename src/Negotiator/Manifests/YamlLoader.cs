using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Loads the YAML documents of a definition (JSON is read as YAML) with merge keys (<c>&lt;&lt;: *anchor</c>)
/// resolved, and turns every parser failure into a <see cref="ManifestException"/> with the line.
/// </summary>
internal static class YamlLoader
{
    /// <summary>
    /// Deepest nesting of mappings and lists accepted. The real manifests under tests/data nest at most
    /// 13 levels deep. YamlStream loads nodes recursively, and 45,000 levels overflowed its stack in a
    /// trial with YamlDotNet 18.1, so hostile input is stopped long before that.
    /// </summary>
    public const int MaxDepth = 100;

    private const string AcceptedInput = "Accepted: Kubernetes YAML or JSON, a docker-compose file, or the native JSON form";

    public static IReadOnlyList<YamlDocument> Load(string text, string sourceName)
    {
        // A byte order mark that survived decoding would become part of the first key.
        var reader = new StringReader(text.StartsWith('\uFEFF') ? text[1..] : text);
        // MergingParser reads every event of the input before it returns the first one. So the parser
        // under it tracks where a syntax error is, and the one above it checks nesting after merges.
        var parser = new GuardedParser(new Parser(reader), sourceName);
        var stream = new YamlStream();
        try
        {
            stream.Load(new GuardedParser(new MergingParser(parser), sourceName));
        }
        catch (YamlException ex)
        {
            var location = new ManifestLocation(sourceName, parser.DocumentOrNull, null, ToLine(ex.Start));
            throw new ManifestException(location, $"the text is not valid YAML or JSON: {ex.Message.TrimEnd('.')}. {AcceptedInput}", ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // YamlDotNet 18.1 throws these without a position for some malformed input, such as an
            // unclosed flow sequence. The end of the last event parsed is then the best line available.
            var location = new ManifestLocation(sourceName, parser.DocumentOrNull, null, parser.LastParsedLine);
            throw new ManifestException(location,
                $"the text is not valid YAML or JSON: the parser stopped after line {parser.LastParsedLine}. {AcceptedInput}", ex);
        }

        return stream.Documents.ToList();
    }

    private static int ToLine(Mark mark) => (int)Math.Clamp(mark.Line, 1, int.MaxValue);

    /// <summary>
    /// Passes parser events through while counting documents and nesting, so that errors can name the
    /// document and input nested deeper than <see cref="MaxDepth"/> is rejected before it is loaded.
    /// </summary>
    private sealed class GuardedParser(IParser inner, string sourceName) : IParser
    {
        private int documents;
        private int depth;

        public ParsingEvent? Current => inner.Current;

        public int? DocumentOrNull => documents == 0 ? null : documents;

        public int LastParsedLine { get; private set; } = 1;

        public bool MoveNext()
        {
            if (!inner.MoveNext())
            {
                return false;
            }

            var current = inner.Current!;
            LastParsedLine = ToLine(current.End);
            if (current is DocumentStart)
            {
                documents++;
            }

            if (current is MappingStart or SequenceStart)
            {
                depth++;
            }
            else if (current is MappingEnd or SequenceEnd)
            {
                depth--;
            }

            if (depth > MaxDepth)
            {
                var location = new ManifestLocation(sourceName, DocumentOrNull, null, ToLine(current.Start));
                throw new ManifestException(location,
                    $"mappings and lists are nested more than {MaxDepth} levels deep, far beyond any real manifest");
            }

            return true;
        }
    }
}
