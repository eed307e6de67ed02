namespace EventShadow.PoolManager;

/// <summary>
/// How the PoolManager builds shadow containers, from the <c>Shadows</c> configuration section.
/// </summary>
public sealed class ShadowOptions
{
    public const string SectionName = "Shadows";

    /// <summary>Local image that shadows run when a mapping names no image of its own.</summary>
    public string WorkloadImage { get; set; } = "eventshadow/workload:1";

    /// <summary>Maximum number of processes and threads in one shadow.</summary>
    public int PidsLimit { get; set; } = 512;

    /// <summary>
    /// Name of this PoolManager, written to the <c>eventshadow.owner</c> label of every shadow it creates.
    /// </summary>
    public string InstanceName { get; set; } = Environment.MachineName;

    /// <summary>Resource pool that shadows are counted in, written to the <c>eventshadow.pool</c> label.</summary>
    public string Pool { get; set; } = "default";

    /// <summary>
    /// Most shadows of <see cref="Pool"/> alive on this Docker host at once. A proposal beyond it
    /// waits for a release, so that a large submission cannot exhaust the host's memory.
    /// </summary>
    public int MaxShadows { get; set; } = 6;

    /// <summary>Seconds a proposal waits for a free shadow slot before it is reported unavailable.</summary>
    public int CapacityWaitSeconds { get; set; } = 300;

    /// <summary>
    /// Local stand-ins for the images that manifests name, tried in order; the first match wins.
    /// </summary>
    public IList<ShadowImageMapping> Images { get; } = new List<ShadowImageMapping>();
}

/// <summary>
/// A local stand-in for the images a manifest may name, and how to start their workload in a shadow.
/// </summary>
public sealed class ShadowImageMapping
{
    /// <summary>
    /// Image repositories that this mapping replaces with a local image, such as <c>redis</c> or <c>bitnami/redis</c>. A
    /// manifest image matches when its repository, or the last path segment of it, equals an entry.
    /// </summary>
    public IList<string> Match { get; } = new List<string>();

    /// <summary>Local image to run; <see cref="ShadowOptions.WorkloadImage"/> when null.</summary>
    public string? Image { get; set; }

    /// <summary>Program of the workload and its fixed arguments; a manifest's command replaces it.</summary>
    public IList<string> Entrypoint { get; } = new List<string>();

    /// <summary>Default arguments after the entrypoint; a manifest's args replace them.</summary>
    public IList<string> Command { get; } = new List<string>();

    /// <summary>User that runs the workload; the image's user when null.</summary>
    public string? User { get; set; }

    /// <summary>Command that exits with 0 once the workload is ready; empty when it has no readiness check.</summary>
    public IList<string> Readiness { get; } = new List<string>();

    /// <summary>User that runs <see cref="Readiness"/>; the image's user when null.</summary>
    public string? ReadinessUser { get; set; }

    /// <summary>Mount the root filesystem read-only; only for workloads that write nowhere.</summary>
    public bool ReadOnlyRootFilesystem { get; set; }

    /// <summary>Linux capabilities added back after all are dropped, such as <c>CHOWN</c>.</summary>
    public IList<string> Capabilities { get; } = new List<string>();
}
