using EventShadow.Contracts;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// One container of a partial task definition, to be negotiated on its own.
/// </summary>
/// <param name="Name">
/// Identifies the task inside its definition: <c>Deployment/redis/redis</c> (kind, object name,
/// container name) for Kubernetes, <c>compose/web</c> for a compose service, <c>json/web</c> for the native form,
/// <c>text/needs-a-database</c> (its first words) for a plain-text definition.
/// </param>
/// <param name="Format">Shape the task was read from: <c>kubernetes</c>, <c>compose</c>, <c>json</c> (the native form) or <c>text</c>.</param>
/// <param name="Hints">The image, every resource value and every free-text hint read, each with the document, path and line it came from.</param>
public sealed record PartialTask(string Name, string Format, ContainerSpec Container, IReadOnlyList<ResourceHint> Hints)
{
    /// <summary>
    /// The quantities behind the CPU and memory bounds of <see cref="Container"/>, as written and with their
    /// locations, for errors about those values. <see cref="ResourceSources.None"/> for a plain-text definition.
    /// </summary>
    public ResourceSources Resources { get; init; } = ResourceSources.None;
}

/// <summary>
/// A resource quantity as the definition writes it, such as <c>16Gi</c>, and where.
/// </summary>
public sealed record WrittenQuantity(string Text, ManifestLocation Location);

/// <summary>
/// The written quantities behind a task's CPU and memory requests and limits. A part is null when the
/// definition does not state it.
/// </summary>
public sealed record ResourceSources(
    WrittenQuantity? CpuRequest,
    WrittenQuantity? MemoryRequest,
    WrittenQuantity? CpuLimit,
    WrittenQuantity? MemoryLimit)
{
    public static readonly ResourceSources None = new(null, null, null, null);
}

/// <summary>
/// Names of the formats a <see cref="PartialTask"/> is read from.
/// </summary>
public static class ManifestFormats
{
    public const string Kubernetes = "kubernetes";
    public const string Compose = "compose";

    /// <summary>The native form: <c>{"name": ..., "image": ..., "requests": {...}, "limits": {...}}</c>.</summary>
    public const string Json = "json";

    /// <summary>A plain-text definition made of free-text hints only, such as <c>needs a database, lots of memory</c>.</summary>
    public const string Text = "text";
}
