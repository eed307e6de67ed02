using EventShadow.Contracts;

namespace EventShadow.PoolManager;

/// <summary>
/// Builds the workload's argv the way Docker and Kubernetes combine an image's entrypoint and command
/// with a container's <c>command</c> and <c>args</c>.
/// </summary>
public static class WorkloadCommand
{
    /// <summary>
    /// Returns the workload's program and arguments; empty when neither the manifest nor the mapping
    /// gives a program.
    /// </summary>
    /// <remarks>
    /// The manifest's command replaces the mapping's entrypoint and also drops the mapping's default
    /// arguments, as <c>docker run --entrypoint</c> and a Kubernetes <c>command</c> drop the image's CMD.
    /// The manifest's args replace the mapping's default arguments. An empty list counts as absent.
    /// NOTE: images such as redis and postgres start through an entrypoint script that runs args
    /// beginning with a program name (<c>redis-server --appendonly yes</c>) as the whole command. The
    /// mappings name the program itself, so such args give <c>redis-server redis-server …</c> here.
    /// </remarks>
    public static IReadOnlyList<string> Compose(ShadowImageMapping mapping, ContainerSpec container)
    {
        var manifestCommand = container.Command is { Count: > 0 } command ? command : null;
        var manifestArgs = container.Args is { Count: > 0 } args ? args : null;

        if (manifestCommand is not null)
        {
            return [.. manifestCommand, .. manifestArgs ?? []];
        }

        IEnumerable<string> arguments = manifestArgs ?? mapping.Command.AsEnumerable();
        return [.. mapping.Entrypoint, .. arguments];
    }
}
