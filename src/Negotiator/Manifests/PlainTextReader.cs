using EventShadow.Contracts;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// An image and arguments that stand in for a task described only by free-text hints.
/// </summary>
/// <param name="Args">Arguments to the image's entrypoint, or null to keep the image's own.</param>
public sealed record ReferenceWorkload(string Image, IReadOnlyList<string>? Args);

/// <summary>
/// Reads a plain-text definition such as <c>needs a database, lots of memory</c> into one task. The
/// text names no image, so the task runs the reference workload of the profile its hints name.
/// </summary>
internal static class PlainTextReader
{
    private const int NameWords = 4;
    private const int MaxNameLength = 40;

    /// <summary>
    /// stress-ng keeping one worker at about 10% of a core until it is stopped (<c>--timeout 0</c>
    /// means no time limit), for profiles without a reference image of their own.
    /// </summary>
    private static readonly ReferenceWorkload LightLoad =
        new("colinianking/stress-ng:latest", ["--cpu", "1", "--cpu-load", "10", "--timeout", "0"]);

    /// <summary>
    /// Reference workload per profile. Search engines, JVM services and GPU inference have no image
    /// that a shadow here can run, so they share the light stress-ng load with Batch and Generic.
    /// </summary>
    /// <remarks>
    /// NOTE: the real postgres image refuses to start without POSTGRES_PASSWORD (or
    /// POSTGRES_HOST_AUTH_METHOD), which a plain-text task does not set. The local workload image
    /// that shadows use in place of postgres:15 needs neither.
    /// </remarks>
    public static readonly IReadOnlyDictionary<WorkloadProfile, ReferenceWorkload> ReferenceWorkloads =
        new Dictionary<WorkloadProfile, ReferenceWorkload>
        {
            [WorkloadProfile.Database] = new("postgres:15", null),
            [WorkloadProfile.Cache] = new("redis:7", null),
            [WorkloadProfile.WebServer] = new("nginx:1.25", null),
            [WorkloadProfile.Batch] = LightLoad,
            [WorkloadProfile.Generic] = LightLoad,
            [WorkloadProfile.SearchEngine] = LightLoad,
            [WorkloadProfile.JvmService] = LightLoad,
            [WorkloadProfile.GpuInference] = LightLoad,
        };

    /// <exception cref="ManifestException">The text contains a phrase outside the vocabulary, contradicting phrases, or no hint at all.</exception>
    public static PartialTask Read(string text, string sourceName)
    {
        var freeText = new FreeTextHints();
        freeText.ReadPlainText(text, sourceName);

        var profileHint = freeText.Hints.FirstOrDefault(hint => hint.Name == HintVocabulary.ProfileHint);
        var profile = profileHint is null ? WorkloadProfile.Generic : Enum.Parse<WorkloadProfile>(profileHint.Value);
        var workload = ReferenceWorkloads[profile];

        var name = NameFrom(text);
        var imageSource = $"{sourceName}: reference image of the {profile} profile, as a plain-text definition names no image";
        var hints = new List<ResourceHint> { new("image", workload.Image, imageSource) };
        hints.AddRange(freeText.Hints);

        var container = new ContainerSpec(
            name, workload.Image, null, workload.Args, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);
        return new PartialTask($"text/{name}", ManifestFormats.Text, container, hints);
    }

    /// <summary>
    /// Makes a container name from the first words of the text: lower-case ASCII letters and digits joined by <c>-</c>.
    /// </summary>
    private static string NameFrom(string text)
    {
        var words = AsciiWords(text).Take(NameWords).Select(word => word.ToLowerInvariant());
        var name = string.Join('-', words);
        if (name.Length > MaxNameLength)
        {
            name = name[..MaxNameLength].TrimEnd('-');
        }

        return name.Length == 0 ? "hints" : name;
    }

    private static IEnumerable<string> AsciiWords(string text)
    {
        var start = -1;
        for (var index = 0; index <= text.Length; index++)
        {
            var separator = index == text.Length || !char.IsAsciiLetterOrDigit(text[index]);
            if (!separator && start < 0)
            {
                start = index;
            }
            else if (separator && start >= 0)
            {
                yield return text[start..index];
                start = -1;
            }
        }
    }
}
