using EventShadow.Contracts;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// One entry of the free-text hint vocabulary: a phrase, its variants, and the hint they stand for.
/// </summary>
/// <param name="Phrase">The phrase as documented, such as <c>lots of memory</c>.</param>
/// <param name="Variants">Other phrases with the same meaning.</param>
/// <param name="HintName">Name of the hint recorded, such as <c>memory-intensity</c>.</param>
/// <param name="HintValue">Value of the hint recorded, such as <c>high</c>.</param>
public sealed record HintPhrase(string Phrase, IReadOnlyList<string> Variants, string HintName, string HintValue);

/// <summary>
/// The small, fixed vocabulary of free-text hints (<c>needs a database</c>, <c>lots of memory</c>,
/// <c>latency sensitive</c>) and the matching of written phrases against it.
/// </summary>
/// <remarks>
/// Matching ignores case and punctuation, treats <c>-</c> and <c>_</c> as spaces, and drops
/// <see cref="FillerWords"/> such as <c>a</c>, <c>the</c>, <c>needs</c> and <c>requires</c>. Every
/// other word must belong to a vocabulary phrase, so <c>not latency sensitive</c> or
/// <c>fast disks</c> is rejected rather than half understood. One phrase may contain several
/// vocabulary phrases, as in <c>needs a small database</c>.
/// </remarks>
public static class HintVocabulary
{
    /// <summary>Hint naming a workload profile, with a <see cref="WorkloadProfile"/> name as its value.</summary>
    public const string ProfileHint = "profile-hint";

    /// <summary>Hint with the value <c>high</c> or <c>low</c>.</summary>
    public const string MemoryIntensityHint = "memory-intensity";

    /// <summary>Hint with the value <c>high</c>.</summary>
    public const string CpuIntensityHint = "cpu-intensity";

    /// <summary>Hint with the value <c>true</c>.</summary>
    public const string LatencySensitiveHint = "latency-sensitive";

    public const string High = "high";
    public const string Low = "low";

    /// <summary>Words allowed around the vocabulary phrases. None of them may carry meaning, so no negation is here.</summary>
    public static readonly IReadOnlyList<string> FillerWords =
    [
        "a", "an", "the", "some", "and", "of", "with", "for", "is", "it", "its", "be", "to",
        "needs", "need", "requires", "require", "uses", "use", "very", "quite", "amount",
        "workload", "service", "app", "application", "task", "container",
    ];

    /// <summary>The vocabulary, in the order documented in docs/hints.md.</summary>
    public static readonly IReadOnlyList<HintPhrase> Phrases =
    [
        Profile("database", WorkloadProfile.Database, "db", "sql database", "relational database"),
        Profile("cache", WorkloadProfile.Cache, "in-memory cache", "key-value store"),
        Profile("web server", WorkloadProfile.WebServer, "webserver", "http server", "reverse proxy"),
        Profile("search engine", WorkloadProfile.SearchEngine, "search", "full-text search"),
        Profile("JVM service", WorkloadProfile.JvmService, "JVM", "Java service", "Java"),
        Profile("GPU", WorkloadProfile.GpuInference, "GPU inference", "inference", "model serving"),
        Profile("batch", WorkloadProfile.Batch, "batch job", "run to completion", "runs to completion"),
        new("significant memory",
            ["lots of memory", "a lot of memory", "memory intensive", "memory heavy", "high memory", "large memory"],
            MemoryIntensityHint, High),
        new("low memory", ["little memory", "small", "tiny"], MemoryIntensityHint, Low),
        new("CPU intensive", ["compute heavy", "compute intensive", "CPU heavy", "high CPU"], CpuIntensityHint, High),
        new("latency sensitive", ["low latency"], LatencySensitiveHint, "true"),
    ];

    private static readonly HashSet<string> Fillers = new(FillerWords, StringComparer.Ordinal);

    /// <summary>Every variant as its significant words, longest first, so that matching prefers the longest phrase.</summary>
    private static readonly (string[] Words, HintPhrase Phrase)[] Patterns = Phrases
        .SelectMany(phrase => phrase.Variants.Prepend(phrase.Phrase).Select(variant => (Words: SignificantWords(variant), Phrase: phrase)))
        .DistinctBy(pattern => string.Join(' ', pattern.Words), StringComparer.Ordinal)
        .OrderByDescending(pattern => pattern.Words.Length)
        .ToArray();

    /// <summary>
    /// The accepted phrases for error messages: <c>database (db, sql database, …), cache (…), …</c>.
    /// </summary>
    public static string AcceptedPhrases { get; } =
        string.Join(", ", Phrases.Select(phrase => $"{phrase.Phrase} ({string.Join(", ", phrase.Variants)})"))
        + ". Words such as a, the, needs and requires may surround them";

    /// <summary>
    /// Matches one written phrase (no separators) against the vocabulary.
    /// </summary>
    /// <param name="matches">The vocabulary phrases found, in the order written.</param>
    /// <param name="unknownWords">The words that belong to no vocabulary phrase, empty when all were understood.</param>
    /// <returns>False when a word is not understood or the phrase contains nothing but filler words.</returns>
    public static bool TryMatch(string written, out IReadOnlyList<HintPhrase> matches, out IReadOnlyList<string> unknownWords)
    {
        var words = SignificantWords(written);
        var found = new List<HintPhrase>();
        var unknown = new List<string>();

        var index = 0;
        while (index < words.Length)
        {
            var pattern = Patterns.FirstOrDefault(candidate => StartsAt(words, index, candidate.Words));
            if (pattern.Phrase is null)
            {
                unknown.Add(words[index]);
                index++;
                continue;
            }

            found.Add(pattern.Phrase);
            index += pattern.Words.Length;
        }

        matches = found;
        unknownWords = unknown;
        return unknown.Count == 0 && found.Count > 0;
    }

    /// <summary>
    /// Splits a phrase into lower-case words at everything but letters and digits, and drops filler words.
    /// </summary>
    internal static string[] SignificantWords(string written)
    {
        var words = new List<string>();
        var start = -1;
        for (var index = 0; index <= written.Length; index++)
        {
            var isWordCharacter = index < written.Length && char.IsLetterOrDigit(written[index]);
            if (isWordCharacter && start < 0)
            {
                start = index;
            }
            else if (!isWordCharacter && start >= 0)
            {
                var word = written[start..index].ToLowerInvariant();
                if (!Fillers.Contains(word))
                {
                    words.Add(word);
                }

                start = -1;
            }
        }

        return [.. words];
    }

    private static bool StartsAt(string[] words, int index, string[] pattern)
    {
        if (index + pattern.Length > words.Length)
        {
            return false;
        }

        for (var offset = 0; offset < pattern.Length; offset++)
        {
            if (!string.Equals(words[index + offset], pattern[offset], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static HintPhrase Profile(string phrase, WorkloadProfile profile, params string[] variants) =>
        new(phrase, variants, ProfileHint, profile.ToString());
}
