using CsCheck;
using EventShadow.Negotiator.Manifests;

namespace EventShadow.UnitTests.Manifests;

public sealed class FreeTextHintPropertyTests
{
    private static readonly HashSet<(string, string)> VocabularyHints =
        HintVocabulary.Phrases.Select(phrase => (phrase.HintName, phrase.HintValue)).ToHashSet();

    /// <summary>Words of the vocabulary and filler words, some words outside both, and separators.</summary>
    private static readonly string[] Words = HintVocabulary.Phrases
        .SelectMany(phrase => phrase.Variants.Prepend(phrase.Phrase))
        .SelectMany(written => written.Split(' '))
        .Concat(HintVocabulary.FillerWords)
        .Concat(["not", "fast", "disks", "memory", "high", "low", ",", ";", "\n", ".", "-", ":", "kind:", "image:", "#", "\"", "é"])
        .Distinct(StringComparer.Ordinal)
        .ToArray();

    private static readonly Gen<string> HintLikeText =
        Gen.Int[0, Words.Length - 1].Array[0, 12].Select(indexes => string.Join(' ', indexes.Select(index => Words[index])));

    [Fact]
    public void RandomText_GivesVocabularyHintsOrManifestException()
    {
        Gen.OneOf(HintLikeText, Gen.String, Gen.String["abcdegilmnoprstuy ,;\n-:"]).Sample(text =>
        {
            IReadOnlyList<PartialTask> tasks;
            try
            {
                tasks = ManifestReader.Read(text, "hints.txt", "text/plain");
            }
            catch (ManifestException ex)
            {
                Assert.StartsWith("hints.txt", ex.Message, StringComparison.Ordinal);
                return;
            }

            foreach (var task in tasks.Where(task => task.Format == ManifestFormats.Text))
            {
                var freeTextHints = task.Hints.Where(hint => hint.Name != "image").ToList();
                Assert.NotEmpty(freeTextHints);
                Assert.All(freeTextHints, hint => Assert.Contains((hint.Name, hint.Value), VocabularyHints));
                Assert.All(freeTextHints, hint => Assert.StartsWith("hints.txt: request body, line ", hint.Source, StringComparison.Ordinal));
            }
        }, iter: 5_000);
    }

    [Fact]
    public void RandomAnnotation_GivesVocabularyHintsOrManifestException()
    {
        const string template = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  annotations:\n    eventshadow.io/hints: {0}\nspec:\n  containers:\n    - name: app\n      image: example/app:1\n";

        Gen.OneOf(HintLikeText, Gen.String["abcdegilmnoprstuy ,;\n-:\"'|{}[]#"]).Sample(value =>
        {
            IReadOnlyList<PartialTask> tasks;
            try
            {
                tasks = ManifestReader.Read(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, value), "pod.yaml");
            }
            catch (ManifestException ex)
            {
                Assert.StartsWith("pod.yaml", ex.Message, StringComparison.Ordinal);
                return;
            }

            var task = Assert.Single(tasks);
            Assert.All(
                task.Hints.Where(hint => hint.Source.Contains("eventshadow.io/hints", StringComparison.Ordinal)),
                hint => Assert.Contains((hint.Name, hint.Value), VocabularyHints));
        }, iter: 3_000);
    }
}
