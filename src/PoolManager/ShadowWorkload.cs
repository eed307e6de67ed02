using EventShadow.Contracts;

namespace EventShadow.PoolManager;

/// <summary>
/// What a shadow runs for one manifest container: the local image, the workload process and how the
/// shadow is hardened.
/// </summary>
/// <param name="ManifestImage">Image as the manifest names it, such as <c>redis:7-alpine</c>.</param>
/// <param name="Image">Local image the shadow is created from.</param>
/// <param name="MappingKey">Configuration key of the mapping used, such as <c>Shadows:Images:0</c>.</param>
/// <param name="Command">Program and arguments of the workload process.</param>
/// <param name="User">User that runs the workload; the image's user when null.</param>
/// <param name="Environment">Variables set for the workload process only.</param>
/// <param name="Readiness">How to tell the workload is ready; null when it has no readiness check.</param>
/// <param name="Capabilities">Capabilities added back after all are dropped.</param>
/// <param name="NeedsNetwork">
/// The task exposes ports, so its shadow joins the internal network; every other shadow has none.
/// </param>
public sealed record ShadowWorkload(
    string ManifestImage,
    string Image,
    string MappingKey,
    IReadOnlyList<string> Command,
    string? User,
    IReadOnlyDictionary<string, string> Environment,
    ReadinessProbe? Readiness,
    bool ReadOnlyRootFilesystem,
    IReadOnlyList<string> Capabilities,
    bool NeedsNetwork = false)
{
    /// <summary>The creation-time settings a warm shadow must share to run this workload.</summary>
    public string Shape => ShadowLabels.ShapeOf(Image, ReadOnlyRootFilesystem, Capabilities, User);
}

/// <summary>
/// No shadow can be configured for an attempt. <see cref="Exception.Message"/> is the reason for the
/// <see cref="ShadowUnavailable"/> event: what failed and what an operator can change.
/// </summary>
public sealed class ShadowUnavailableException : Exception
{
    public ShadowUnavailableException()
        : base("No shadow is available.")
    {
    }

    public ShadowUnavailableException(string reason)
        : base(reason)
    {
    }

    public ShadowUnavailableException(string reason, Exception innerException)
        : base(reason, innerException)
    {
    }
}
