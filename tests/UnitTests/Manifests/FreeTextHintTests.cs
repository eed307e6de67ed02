using EventShadow.Contracts;
using EventShadow.Negotiator.Manifests;
using static EventShadow.UnitTests.Manifests.ManifestAssert;

namespace EventShadow.UnitTests.Manifests;

public sealed class FreeTextHintTests
{
    private const string PlainText = "text/plain";

    /// <summary>Every phrase and variant of the vocabulary with the hint it stands for.</summary>
    public static TheoryData<string, string, string> EveryPhrase()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var phrase in HintVocabulary.Phrases)
        {
            foreach (var written in phrase.Variants.Prepend(phrase.Phrase))
            {
                data.Add(written, phrase.HintName, phrase.HintValue);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPhrase))]
    public void VocabularyPhrase_GivesItsHint(string written, string expectedName, string expectedValue)
    {
        foreach (var form in new[] { written, written.ToUpperInvariant(), $"needs {written}", $"Requires a {written}.", written.Replace(' ', '-') })
        {
            Assert.True(HintVocabulary.TryMatch(form, out var matches, out var unknown), $"'{form}' is not understood: {string.Join(' ', unknown)}");
            var match = Assert.Single(matches);
            Assert.Equal(expectedName, match.HintName);
            Assert.Equal(expectedValue, match.HintValue);
        }
    }

    [Theory]
    [InlineData("needs a database", HintVocabulary.ProfileHint, "Database")]
    [InlineData("requires significant memory", HintVocabulary.MemoryIntensityHint, "high")]
    [InlineData("GPU", HintVocabulary.ProfileHint, "GpuInference")]
    [InlineData("latency-sensitive", HintVocabulary.LatencySensitiveHint, "true")]
    [InlineData("batch", HintVocabulary.ProfileHint, "Batch")]
    [InlineData("memory_intensive", HintVocabulary.MemoryIntensityHint, "high")]
    [InlineData("compute heavy", HintVocabulary.CpuIntensityHint, "high")]
    [InlineData("the workload is tiny", HintVocabulary.MemoryIntensityHint, "low")]
    [InlineData("uses an in-memory cache", HintVocabulary.ProfileHint, "Cache")]
    [InlineData("needs a significant amount of memory", HintVocabulary.MemoryIntensityHint, "high")]
    public void OperatorPhrase_GivesHint(string written, string expectedName, string expectedValue)
    {
        Assert.True(HintVocabulary.TryMatch(written, out var matches, out _));

        var match = Assert.Single(matches);
        Assert.Equal(expectedName, match.HintName);
        Assert.Equal(expectedValue, match.HintValue);
    }

    [Fact]
    public void PhraseWithTwoHints_GivesBoth()
    {
        Assert.True(HintVocabulary.TryMatch("needs a small database", out var matches, out _));

        Assert.Equal(
            [(HintVocabulary.MemoryIntensityHint, "low"), (HintVocabulary.ProfileHint, "Database")],
            matches.Select(match => (match.HintName, match.HintValue)));
    }

    [Theory]
    [InlineData("not latency sensitive", "not")]
    [InlineData("fast disks", "fast disks")]
    [InlineData("database with fast disks", "fast disks")]
    [InlineData("memory", "memory")]
    [InlineData("high", "high")]
    public void UnknownWords_AreNamed(string written, string expectedUnknown)
    {
        Assert.False(HintVocabulary.TryMatch(written, out _, out var unknown));

        Assert.Equal(expectedUnknown, string.Join(' ', unknown));
    }

    [Fact]
    public void Vocabulary_VariantsAreUnambiguous()
    {
        var owners = new Dictionary<string, HintPhrase>(StringComparer.Ordinal);
        foreach (var phrase in HintVocabulary.Phrases)
        {
            foreach (var written in phrase.Variants.Prepend(phrase.Phrase))
            {
                var words = string.Join(' ', HintVocabulary.SignificantWords(written));
                Assert.False(string.IsNullOrEmpty(words), $"'{written}' is made of filler words only");
                if (owners.TryGetValue(words, out var owner))
                {
                    Assert.Same(owner, phrase);
                }

                owners[words] = phrase;
            }
        }
    }

    [Fact]
    public void AcceptedPhrases_ListEveryVariant()
    {
        foreach (var phrase in HintVocabulary.Phrases)
        {
            foreach (var written in phrase.Variants.Prepend(phrase.Phrase))
            {
                Assert.Contains(written, HintVocabulary.AcceptedPhrases, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void NativeHintsList_GivesHintsWithLines()
    {
        const string text = """
            {
              "name": "orders",
              "image": "example/orders:3",
              "hints": ["needs a database",
                        "lots of memory; latency sensitive"]
            }
            """;

        var task = Assert.Single(ManifestReader.Read(text, "orders.json"));

        Assert.Equal(
            [
                new ResourceHint("profile-hint", "Database", "orders.json: document 1, hints[0] (line 4): \"needs a database\""),
                new ResourceHint("memory-intensity", "high", "orders.json: document 1, hints[1] (line 5): \"lots of memory\""),
                new ResourceHint("latency-sensitive", "true", "orders.json: document 1, hints[1] (line 5): \"latency sensitive\""),
            ],
            task.Hints.Where(hint => hint.Name != "image"));
    }

    [Fact]
    public void NativeHintsString_IsSplit()
    {
        const string text = """{"name": "batch", "image": "example/etl:1", "hints": "batch, compute heavy"}""";

        var task = Assert.Single(ManifestReader.Read(text, "etl.json"));

        Assert.Equal("Batch", Hint(task, "profile-hint").Value);
        Assert.Equal("high", Hint(task, "cpu-intensity").Value);
    }

    [Fact]
    public void NativeUnknownHint_IsRejectedWithLocation()
    {
        const string text = "{\n  \"name\": \"orders\",\n  \"image\": \"example/orders:3\",\n  \"hints\": [\"needs a database\", \"fast disks\"]\n}";

        var error = Rejects(text, "orders.json", 1, "hints[1]", 4, "the hint 'fast disks' is not in the hint vocabulary: 'fast disks' matches no phrase");

        Assert.Contains("Accepted phrases: database (db, sql database, relational database)", error.Message, StringComparison.Ordinal);
        Assert.Contains("latency sensitive (low latency)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ObjectAnnotation_AppliesToEveryContainer()
    {
        const string text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: orders
              annotations:
                eventshadow.io/hints: "needs a database; requires significant memory"
            spec:
              template:
                spec:
                  containers:
                    - name: app
                      image: example/orders:3
                    - name: proxy
                      image: example/proxy:1
            """;

        var tasks = ManifestReader.Read(text, "orders.yaml");

        const string path = "metadata.annotations[\"eventshadow.io/hints\"] (line 6)";
        Assert.All(tasks, task =>
        {
            Assert.Equal(new ResourceHint("profile-hint", "Database", $"orders.yaml: document 1, {path}: \"needs a database\""), Hint(task, "profile-hint"));
            Assert.Equal(new ResourceHint("memory-intensity", "high", $"orders.yaml: document 1, {path}: \"requires significant memory\""), Hint(task, "memory-intensity"));
        });
    }

    [Fact]
    public void TemplateAnnotation_GivesLinePerPhrase()
    {
        const string text = """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: search
            spec:
              template:
                metadata:
                  annotations:
                    eventshadow.io/hints: |
                      search engine
                      lots of memory
                spec:
                  containers:
                    - name: search
                      image: example/search:2
            """;

        var task = Assert.Single(ManifestReader.Read(text, "search.yaml"));

        const string path = "spec.template.metadata.annotations[\"eventshadow.io/hints\"]";
        Assert.Equal($"search.yaml: document 1, {path} (line 10): \"search engine\"", Hint(task, "profile-hint").Source);
        Assert.Equal($"search.yaml: document 1, {path} (line 11): \"lots of memory\"", Hint(task, "memory-intensity").Source);
    }

    [Fact]
    public void CronJobTemplateAnnotation_IsRead()
    {
        const string text = """
            apiVersion: batch/v1
            kind: CronJob
            metadata:
              name: report
            spec:
              jobTemplate:
                spec:
                  template:
                    metadata:
                      annotations:
                        eventshadow.io/hints: cpu intensive
                    spec:
                      containers:
                        - name: report
                          image: example/report:1
            """;

        var task = Assert.Single(ManifestReader.Read(text, "report.yaml"));

        Assert.Equal("high", Hint(task, "cpu-intensity").Value);
        Assert.StartsWith("report.yaml: document 1, spec.jobTemplate.spec.template.metadata.annotations", Hint(task, "cpu-intensity").Source, StringComparison.Ordinal);
    }

    [Fact]
    public void PodAnnotation_IsReadOnce()
    {
        const string text = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: cache
              annotations:
                eventshadow.io/hints: tiny
            spec:
              containers:
                - name: cache
                  image: example/cache:1
            """;

        var task = Assert.Single(ManifestReader.Read(text, "cache.yaml"));

        Assert.Equal("low", Hint(task, "memory-intensity").Value);
    }

    [Fact]
    public void ContradictingAnnotations_AreRejected()
    {
        const string text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: orders
              annotations:
                eventshadow.io/hints: lots of memory
            spec:
              template:
                metadata:
                  annotations:
                    eventshadow.io/hints: tiny
                spec:
                  containers:
                    - name: app
                      image: example/orders:3
            """;

        Rejects(text, "orders.yaml", 1, "spec.template.metadata.annotations[\"eventshadow.io/hints\"]", 11,
            "the hint 'tiny' (memory-intensity=low) contradicts 'lots of memory' (memory-intensity=high) at orders.yaml: document 1, metadata.annotations[\"eventshadow.io/hints\"] (line 6)");
    }

    [Fact]
    public void UnknownAnnotationPhrase_IsRejectedWithLine()
    {
        const string text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: orders
            spec:
              template:
                metadata:
                  annotations:
                    eventshadow.io/hints: |
                      needs a database
                      needs fast disks
                spec:
                  containers:
                    - name: app
                      image: example/orders:3
            """;

        Rejects(text, "orders.yaml", 1, "spec.template.metadata.annotations[\"eventshadow.io/hints\"]", 11,
            "the hint 'needs fast disks' is not in the hint vocabulary: 'fast disks' matches no phrase. Accepted phrases:");
    }

    [Fact]
    public void EmptyAnnotation_IsRejected()
    {
        const string text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n    eventshadow.io/hints: \", ;\"\nspec:\n  containers:\n    - name: a\n      image: a\n";

        Rejects(text, "a.yaml", 1, "metadata.annotations[\"eventshadow.io/hints\"]", 6, "the hint text contains no hint");
    }

    [Fact]
    public void ComposeLabelMap_IsRead()
    {
        const string text = """
            services:
              api:
                image: example/api:1
                labels:
                  com.example.team: orders
                  eventshadow.hints: latency sensitive, JVM service
            """;

        var task = Assert.Single(ManifestReader.Read(text, "compose.yaml"));

        Assert.Equal(new ResourceHint("latency-sensitive", "true", "compose.yaml: document 1, services.api.labels[\"eventshadow.hints\"] (line 6): \"latency sensitive\""), Hint(task, "latency-sensitive"));
        Assert.Equal("JvmService", Hint(task, "profile-hint").Value);
    }

    [Fact]
    public void ComposeLabelList_IsRead()
    {
        const string text = """
            services:
              api:
                image: example/api:1
                labels:
                  - "com.example.team=orders"
                  - "eventshadow.hints=needs a cache; low memory"
            """;

        var task = Assert.Single(ManifestReader.Read(text, "compose.yaml"));

        Assert.Equal(new ResourceHint("profile-hint", "Cache", "compose.yaml: document 1, services.api.labels[1] (line 6): \"needs a cache\""), Hint(task, "profile-hint"));
        Assert.Equal("low", Hint(task, "memory-intensity").Value);
    }

    [Fact]
    public void ComposeUnknownLabelPhrase_IsRejected()
    {
        const string text = "services:\n  api:\n    image: example/api:1\n    labels:\n      - eventshadow.hints=quantum\n";

        Rejects(text, "compose.yaml", 1, "services.api.labels[0]", 5, "the hint 'quantum' is not in the hint vocabulary");
    }

    [Fact]
    public void PlainText_GivesOneTaskWithReferenceImage()
    {
        const string text = "needs a database, lots of memory\nlatency sensitive\n";

        var task = Assert.Single(ManifestReader.Read(text, "request", PlainText));

        Assert.Equal("text/needs-a-database-lots", task.Name);
        Assert.Equal("text", task.Format);
        Assert.Equal("postgres:15", task.Container.Image);
        Assert.Null(task.Container.Args);
        Assert.Equal(ResourceBounds.None, task.Container.Limits);
        Assert.Equal(
            [
                new ResourceHint("image", "postgres:15", "request: reference image of the Database profile, as a plain-text definition names no image"),
                new ResourceHint("profile-hint", "Database", "request: request body, line 1: \"needs a database\""),
                new ResourceHint("memory-intensity", "high", "request: request body, line 1: \"lots of memory\""),
                new ResourceHint("latency-sensitive", "true", "request: request body, line 2: \"latency sensitive\""),
            ],
            task.Hints);
    }

    [Theory]
    [InlineData("needs a database", "postgres:15")]
    [InlineData("cache", "redis:7")]
    [InlineData("web server", "nginx:1.25")]
    [InlineData("batch", "colinianking/stress-ng:latest")]
    [InlineData("lots of memory", "colinianking/stress-ng:latest")]
    [InlineData("search engine", "colinianking/stress-ng:latest")]
    [InlineData("JVM", "colinianking/stress-ng:latest")]
    [InlineData("GPU", "colinianking/stress-ng:latest")]
    public void PlainTextProfile_ChoosesReferenceImage(string text, string expectedImage)
    {
        var task = Assert.Single(ManifestReader.Read(text, "hints.txt", "text/plain; charset=utf-8"));

        Assert.Equal(expectedImage, task.Container.Image);
        if (expectedImage.Contains("stress-ng", StringComparison.Ordinal))
        {
            Assert.Equal(["--cpu", "1", "--cpu-load", "10", "--timeout", "0"], task.Container.Args);
        }
    }

    [Fact]
    public void PlainTextUnknownPhrase_IsRejectedWithLine()
    {
        const string text = "needs a database\nlots of memory, fast disks\n";

        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text, "request", PlainText));

        Assert.Equal("request", error.SourceName);
        Assert.Null(error.Document);
        Assert.Null(error.Path);
        Assert.Equal(2, error.Line);
        Assert.StartsWith("request: line 2: the hint 'fast disks' is not in the hint vocabulary", error.Message, StringComparison.Ordinal);
        Assert.Contains("Accepted phrases: database", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("   \n")]
    [InlineData(", ; .")]
    public void PlainTextWithoutPhrase_ListsVocabulary(string text)
    {
        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text, "request", PlainText));

        Assert.Contains("the request body contains no hint", error.Message, StringComparison.Ordinal);
        Assert.Contains(HintVocabulary.AcceptedPhrases, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainTextContradiction_IsRejected()
    {
        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read("needs a database\ncache\n", "request", PlainText));

        Assert.Equal(2, error.Line);
        Assert.Contains("the hint 'cache' (profile-hint=Cache) contradicts 'needs a database' (profile-hint=Database) at request: line 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainTextBrokenManifest_SaysWhyReadAsHints()
    {
        const string text = "apiVersion: v1\nkind: Pod\n  bad: indentation\n";

        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text, "pod.yaml", PlainText));

        Assert.Equal(1, error.Line);
        Assert.Contains("the hint 'apiVersion: v1' is not in the hint vocabulary", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(
            "The body was read as free-text hints because it was sent as text/plain and is not a Kubernetes, compose or native definition",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void DefinitionHintError_HasNoPlainTextNote()
    {
        const string text = """{"name": "web", "image": "nginx:1.25", "hints": ["fast disks"]}""";

        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text, "web.json", PlainText));

        Assert.Contains("the hint 'fast disks' is not in the hint vocabulary", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("read as free-text hints", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooManyPhrases_AreRejected()
    {
        var text = string.Join(", ", Enumerable.Repeat("db", FreeTextHints.MaxPhrases + 1));

        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text, "request", PlainText));

        Assert.Contains($"more than {FreeTextHints.MaxPhrases} hint phrases", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LongUnknownPhrase_IsShortened()
    {
        var text = "database " + string.Join(' ', Enumerable.Repeat("unknown", 10_000));

        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text, "request", PlainText));

        Assert.Contains("is not in the hint vocabulary", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 2_000, $"the message has {error.Message.Length} characters");
    }

    [Fact]
    public void PlainTextManifest_IsReadAsDefinition()
    {
        const string text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.25\n";

        var task = Assert.Single(ManifestReader.Read(text, "web.yaml", PlainText));

        Assert.Equal("Pod/web/web", task.Name);
        Assert.Equal("kubernetes", task.Format);
    }

    [Theory]
    [InlineData("application/yaml")]
    [InlineData("application/json")]
    [InlineData(null)]
    public void HintsWithoutPlainTextType_AreRejected(string? mediaType)
    {
        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read("needs a database", "request", mediaType));

        Assert.Contains("not a mapping", error.Message, StringComparison.Ordinal);
        Assert.Contains("read from a body sent as text/plain", error.Message, StringComparison.Ordinal);
    }
}
