using System.Globalization;
using EventShadow.Contracts;
using EventShadow.Negotiator.Manifests;

namespace EventShadow.Negotiator.Analysis;

/// <summary>
/// The workload profile of a task and the hints it was derived from.
/// </summary>
/// <param name="Hints">
/// The task's own hints, then one <c>profile</c> hint that names the rule and token that decided the
/// profile, then a <c>jvm-heap</c> hint (MiB) when the container sets <c>-Xmx</c>, then the
/// <see cref="DatabaseMemorySettings"/> hints (MiB) it sets.
/// </param>
public sealed record RequirementAnalysis(WorkloadProfile Profile, IReadOnlyList<ResourceHint> Hints);

/// <summary>
/// Derives a task's <see cref="WorkloadProfile"/> from its image, kind, resources, free-text hints and
/// JVM options, and records the memory settings of its environment and command line.
/// </summary>
/// <remarks>
/// The first rule that matches decides, in this order:
/// <list type="number">
/// <item>a GPU resource (a request, limit or reserved device whose name contains <c>gpu</c>) → GpuInference;</item>
/// <item>kind Job or CronJob → Batch, because the task runs to completion whatever its image;</item>
/// <item>the image name against <see cref="ImageRules"/>, in table order, except for a plain-text
/// task, whose image was chosen from its hints;</item>
/// <item>a free-text profile hint such as <c>needs a database</c> (see <see cref="HintVocabulary"/>),
/// the first one written → its profile;</item>
/// <item><c>-Xmx</c> in a JVM options variable or in the command → JvmService;</item>
/// <item>otherwise Generic.</item>
/// </list>
/// The image comes before the hints because it names the software that will really run.
/// </remarks>
public static class RequirementAnalyzer
{
    /// <summary>
    /// Image tokens per profile, checked top to bottom. A token matches the start of a word of the image
    /// name (the last path segment, without registry and tag, split at <c>-</c>, <c>_</c> and <c>.</c>),
    /// so <c>redis</c> matches <c>bitnami/redis</c> and <c>redislabs/redismod</c>. A token with a
    /// <c>/</c> matches the end of the repository path instead.
    /// </summary>
    private static readonly ImageRule[] ImageRules =
    [
        new(WorkloadProfile.GpuInference, ["tensorflow/serving", "tensorflow-serving", "vllm", "triton"]),
        new(WorkloadProfile.Cache, ["redis", "valkey", "memcached", "keydb"]),
        new(WorkloadProfile.Database, ["postgres", "mysql", "mariadb", "mongo", "cassandra", "cockroach", "couchdb"]),
        new(WorkloadProfile.SearchEngine, ["elasticsearch", "opensearch", "solr"]),
        new(WorkloadProfile.WebServer, ["nginx", "httpd", "apache", "caddy", "traefik", "envoy", "haproxy"]),
        new(WorkloadProfile.Batch, ["stress-ng"]),
        new(WorkloadProfile.JvmService,
        [
            "openjdk", "eclipse-temurin", "amazoncorretto", "ibm-semeru-runtimes", "sapmachine", "zulu",
            "tomcat", "jetty", "wildfly", "kafka", "zookeeper",
        ]),
    ];

    private static readonly string[] BatchKinds = ["Job", "CronJob"];

    /// <summary>Environment variables that JVMs and JVM-based images read options from.</summary>
    private static readonly string[] JvmOptionVariables =
    [
        "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS", "JVM_OPTS", "ES_JAVA_OPTS", "OPENSEARCH_JAVA_OPTS",
        "LS_JAVA_OPTS", "CATALINA_OPTS", "KAFKA_HEAP_OPTS", "_JAVA_OPTIONS",
    ];

    private const string InitContainerPrefix = "init-container-";

    public static RequirementAnalysis Analyze(PartialTask task)
    {
        var heap = FindMaxHeap(task);
        var (profile, reason) = DecideProfile(task, heap);

        var hints = new List<ResourceHint>(task.Hints) { new("profile", profile.ToString(), reason) };
        if (heap?.MiB is { } mebibytes)
        {
            hints.Add(new ResourceHint("jvm-heap", mebibytes.ToString(CultureInfo.InvariantCulture), heap.Source));
        }

        hints.AddRange(DatabaseMemorySettings.Find(task));
        hints.AddRange(NeedsFromDependencies(task));

        return new RequirementAnalysis(profile, hints);
    }

    /// <summary>
    /// Returns the profile an image's name reveals, such as <see cref="WorkloadProfile.Database"/> for
    /// <c>mariadb:10.6</c>, or null when no rule matches.
    /// </summary>
    public static WorkloadProfile? ProfileOfImage(string image)
    {
        var name = ImageName.Parse(image);
        return ImageRules.FirstOrDefault(rule => rule.Tokens.Any(name.Matches))?.Profile;
    }

    /// <summary>
    /// Turns each dependency on a database, cache or search engine (a compose <c>depends_on</c> entry
    /// whose image reveals it) into a <c>needs-database</c>, <c>needs-cache</c> or <c>needs-search-engine</c> hint.
    /// </summary>
    private static IEnumerable<ResourceHint> NeedsFromDependencies(PartialTask task)
    {
        foreach (var dependency in task.Hints.Where(hint => hint.Name == DependencyHint))
        {
            var separator = dependency.Value.IndexOf(": ", StringComparison.Ordinal);
            var image = separator < 0 ? dependency.Value : dependency.Value[(separator + 2)..];
            var need = ProfileOfImage(image) switch
            {
                WorkloadProfile.Database => "needs-database",
                WorkloadProfile.Cache => "needs-cache",
                WorkloadProfile.SearchEngine => "needs-search-engine",
                _ => null,
            };

            if (need is not null)
            {
                yield return new ResourceHint(need, dependency.Value, dependency.Source);
            }
        }
    }

    /// <summary>Name of the hint a compose reader writes per dependency: <c>service: image</c>.</summary>
    public const string DependencyHint = "dependency";

    private static (WorkloadProfile Profile, string Reason) DecideProfile(PartialTask task, MaxHeap? heap)
    {
        var gpu = task.Hints.FirstOrDefault(IsGpuHint);
        if (gpu is not null)
        {
            return (WorkloadProfile.GpuInference, $"GPU resource {gpu.Name} = {gpu.Value} ({gpu.Source})");
        }

        var kind = task.Hints.FirstOrDefault(hint => hint.Name == "kind" && BatchKinds.Contains(hint.Value, StringComparer.Ordinal));
        if (kind is not null)
        {
            return (WorkloadProfile.Batch, $"kind {kind.Value} runs to completion ({kind.Source})");
        }

        var image = ImageName.Parse(task.Container.Image);
        var imageSource = task.Hints.FirstOrDefault(hint => hint.Name == "image")?.Source ?? task.Name;
        var imageChosenFromHints = task.Format == ManifestFormats.Text;
        if (!imageChosenFromHints)
        {
            foreach (var rule in ImageRules)
            {
                if (rule.Tokens.FirstOrDefault(image.Matches) is { } token)
                {
                    return (rule.Profile, $"image {task.Container.Image} matches '{token}' ({imageSource})");
                }
            }
        }

        var profileHint = task.Hints.FirstOrDefault(hint => hint.Name == HintVocabulary.ProfileHint);
        if (profileHint is not null && Enum.TryParse<WorkloadProfile>(profileHint.Value, out var hinted))
        {
            var why = imageChosenFromHints ? "a plain-text definition names no image" : $"no rule matches image {task.Container.Image}";
            return (hinted, $"hint {profileHint.Name}={profileHint.Value} ({profileHint.Source}), as {why}");
        }

        if (heap is not null)
        {
            return (WorkloadProfile.JvmService, $"{heap.Option} sets a JVM heap ({heap.Source})");
        }

        if (imageChosenFromHints)
        {
            return (WorkloadProfile.Generic, $"the plain-text definition names no profile ({imageSource})");
        }

        return (WorkloadProfile.Generic,
            $"no rule matches image {task.Container.Image} ({imageSource}), and the task has no GPU, Job kind, profile hint or -Xmx");
    }

    private static bool IsGpuHint(ResourceHint hint) =>
        !hint.Name.StartsWith(InitContainerPrefix, StringComparison.Ordinal)
        && hint.Name.Contains("gpu", StringComparison.OrdinalIgnoreCase)
        && hint.Value != "0";

    /// <summary>
    /// Finds the <c>-Xmx</c> option that takes effect: JVM option variables are read first and the
    /// command line after them, and the JVM applies the last <c>-Xmx</c> it reads.
    /// </summary>
    private static MaxHeap? FindMaxHeap(PartialTask task)
    {
        MaxHeap? found = null;
        foreach (var variable in JvmOptionVariables)
        {
            if (task.Container.Environment.TryGetValue(variable, out var options))
            {
                found = LastMaxHeap(options, $"environment variable {variable} of {task.Name}") ?? found;
            }
        }

        var commandLine = (task.Container.Command ?? []).Concat(task.Container.Args ?? []);
        foreach (var word in commandLine)
        {
            found = LastMaxHeap(word, $"command line of {task.Name}") ?? found;
        }

        return found;
    }

    private static MaxHeap? LastMaxHeap(string options, string where)
    {
        var option = options
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .LastOrDefault(word => word.StartsWith("-Xmx", StringComparison.Ordinal));
        return option is null ? null : new MaxHeap(option, ResourceQuantity.TryParseJvmSizeMiB(option["-Xmx".Length..]), $"{where}: {option}");
    }

    private sealed record ImageRule(WorkloadProfile Profile, string[] Tokens);

    /// <param name="MiB">The heap size, or null when the option's value is not a size the JVM accepts.</param>
    private sealed record MaxHeap(string Option, int? MiB, string Source);
}
