using EventShadow.Contracts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Reads the free-text hints of one task from every place it carries them (a native <c>hints</c> list,
/// a Kubernetes annotation, a compose label, a plain-text body) and checks that they agree.
/// </summary>
/// <remarks>
/// A hint text contains phrases separated by <c>;</c>, <c>,</c> or new lines, each matched against
/// <see cref="HintVocabulary"/>. Each hint's source is the location of its phrase followed by the
/// phrase as written, such as <c>app.yaml: document 1, metadata.annotations["eventshadow.io/hints"] (line 6): "lots of memory"</c>.
/// </remarks>
internal sealed class FreeTextHints
{
    /// <summary>Annotation that carries hints on a Kubernetes workload object or its pod template.</summary>
    public const string KubernetesAnnotation = "eventshadow.io/hints";

    /// <summary>Label that carries hints on a compose service.</summary>
    public const string ComposeLabel = "eventshadow.hints";

    /// <summary>Maximum number of phrases for one task. Real hints are a handful, and the bound keeps a large body cheap to reject.</summary>
    public const int MaxPhrases = 100;

    private static readonly char[] Separators = [';', ',', '\n'];

    private readonly List<(ResourceHint Hint, ManifestLocation Location, string Phrase)> read = [];

    /// <summary>The first hint read per hint name, which every later hint of that name must agree with.</summary>
    private readonly Dictionary<string, (ResourceHint Hint, ManifestLocation Location, string Phrase)> firstByName = new(StringComparer.Ordinal);

    private int phrases;

    /// <summary>Sentence appended to errors about unknown phrases, empty for hints inside a definition.</summary>
    private string readAsHintsNote = string.Empty;

    public IReadOnlyList<ResourceHint> Hints => read.Select(entry => entry.Hint).ToList();

    /// <summary>
    /// Reads a YAML value: one hint text, or a list of them (the native form's <c>hints</c>).
    /// </summary>
    public void ReadNode(ManifestNode node)
    {
        if (node.IsSequence)
        {
            foreach (var item in node.Items())
            {
                ReadScalar(item, item.Text());
            }

            return;
        }

        ReadScalar(node, node.Text());
    }

    /// <summary>
    /// Reads the hint text <paramref name="text"/> that <paramref name="node"/> contains, such as the value
    /// part of a compose label written as <c>eventshadow.hints=needs a database</c>.
    /// </summary>
    public void ReadScalar(ManifestNode node, string text)
    {
        // Only a literal block scalar (|) keeps its lines as written, starting on the line after its
        // header. Other styles fold or escape new lines, so their phrases get the value's first line.
        var literal = node.Node is YamlScalarNode { Style: ScalarStyle.Literal };
        var location = node.Location;
        ReadText(text, "the hint text", lineOffset =>
        {
            var phraseLocation = literal ? location with { Line = node.Line + 1 + lineOffset } : location;
            return (phraseLocation, phraseLocation.ToString());
        });
    }

    /// <summary>
    /// Reads a whole plain-text definition. Each phrase's source is <c>{sourceName}: request body, line N</c>.
    /// </summary>
    public void ReadPlainText(string text, string sourceName)
    {
        // A manifest with a syntax error sent as text/plain is read here too, so its errors explain why it was read as hints.
        readAsHintsNote = $". The body was read as free-text hints because it was sent as {ManifestReader.PlainTextMediaType} "
            + "and is not a Kubernetes, compose or native definition";
        ReadText(text, "the request body", lineOffset =>
        {
            var line = lineOffset + 1;
            return (new ManifestLocation(sourceName, null, null, line), $"{sourceName}: request body, line {line}");
        });
    }

    private void ReadText(string text, string description, Func<int, (ManifestLocation Location, string Source)> locate)
    {
        var before = read.Count;
        var lineOffset = 0;
        var start = 0;
        for (var index = 0; index <= text.Length; index++)
        {
            if (index < text.Length && !Separators.Contains(text[index]))
            {
                continue;
            }

            var phrase = text[start..index].Trim();
            if (phrase.Length > 0)
            {
                var (location, source) = locate(lineOffset);
                ReadPhrase(phrase, location, source);
            }

            if (index < text.Length && text[index] == '\n')
            {
                lineOffset++;
            }

            start = index + 1;
        }

        if (read.Count == before)
        {
            var (location, _) = locate(0);
            throw new ManifestException(location,
                $"{description} contains no hint. Write phrases separated by ',', ';' or new lines. Accepted phrases: {HintVocabulary.AcceptedPhrases}{readAsHintsNote}");
        }
    }

    private void ReadPhrase(string phrase, ManifestLocation location, string source)
    {
        if (!phrase.Any(char.IsLetterOrDigit))
        {
            // Punctuation alone, such as the "." that ends a sentence.
            return;
        }

        phrases++;
        if (phrases > MaxPhrases)
        {
            throw new ManifestException(location,
                $"a task has more than {MaxPhrases} hint phrases. A few phrases such as 'needs a database, lots of memory' say enough");
        }

        if (!HintVocabulary.TryMatch(phrase, out var matches, out var unknownWords))
        {
            var problem = unknownWords.Count == 0
                ? "names no hint, only words such as 'needs' or 'a' that surround one"
                : $"is not in the hint vocabulary: '{Shorten(string.Join(' ', unknownWords))}' matches no phrase";
            throw new ManifestException(location, $"the hint '{Shorten(phrase)}' {problem}. Accepted phrases: {HintVocabulary.AcceptedPhrases}{readAsHintsNote}");
        }

        foreach (var match in matches)
        {
            var hint = new ResourceHint(match.HintName, match.HintValue, $"{source}: \"{Shorten(phrase)}\"");
            if (firstByName.TryGetValue(hint.Name, out var conflict) && conflict.Hint.Value != hint.Value)
            {
                throw new ManifestException(location,
                    $"the hint '{Shorten(phrase)}' ({hint.Name}={hint.Value}) contradicts '{conflict.Phrase}' "
                    + $"({conflict.Hint.Name}={conflict.Hint.Value}) at {conflict.Location}. Keep one of them");
            }

            var entry = (hint, location, Shorten(phrase));
            read.Add(entry);
            firstByName.TryAdd(hint.Name, entry);
        }
    }

    private static string Shorten(string phrase) => phrase.Length <= 80 ? phrase : phrase[..80] + "…";
}
