namespace EventShadow.Contracts;

/// <summary>
/// One container of a partial task definition, as read from a Kubernetes object, a docker-compose
/// service or a JSON definition. Resources may be missing: negotiating them is EventShadow's job.
/// </summary>
/// <param name="Name">Container name, or the compose service name.</param>
/// <param name="Image">Image reference as the manifest writes it, for example <c>redis:7</c>.</param>
/// <param name="Command">Replaces the image's entrypoint when present (Kubernetes <c>command</c>).</param>
/// <param name="Args">Arguments to the entrypoint (Kubernetes <c>args</c>, compose <c>command</c>).</param>
/// <param name="Environment">Environment variables with literal values.</param>
/// <param name="Requests">Resource requests the manifest states.</param>
/// <param name="Limits">Resource limits the manifest states.</param>
/// <param name="Ports">
/// Container ports the task exposes (Kubernetes <c>containerPort</c>, the container side of compose
/// <c>ports</c>); a task with any gets its shadow on an internal network instead of none. Null when
/// the manifest names none or its reader does not read them.
/// </param>
public sealed record ContainerSpec(
    string Name,
    string Image,
    IReadOnlyList<string>? Command,
    IReadOnlyList<string>? Args,
    IReadOnlyDictionary<string, string> Environment,
    ResourceBounds Requests,
    ResourceBounds Limits,
    IReadOnlyList<int>? Ports = null);

/// <summary>
/// A fact about a task's resource needs and where it came from.
/// </summary>
/// <param name="Name">What the hint is about, for example <c>memory-limit</c> or <c>profile</c>.</param>
/// <param name="Value">The value as read, for example <c>128Mi</c>.</param>
/// <param name="Source">Document, path and line the value came from.</param>
public sealed record ResourceHint(string Name, string Value, string Source);
