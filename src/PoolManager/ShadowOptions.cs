using EventShadow.Contracts;

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

    /// <summary>
    /// True when PoolManagers on several Docker hosts share one RabbitMQ virtual host and event store.
    /// This PoolManager then consumes releases from its own queue, <c>release-shadow-{InstanceName}</c>,
    /// and removes only the shadows it owns. False (the default) consumes them from the shared queue
    /// <c>release-shadow</c> and removes every shadow of a negotiation on this Docker host.
    /// </summary>
    public bool SeveralDockerHosts { get; set; }

    /// <summary>Resource pool that shadows are counted in, written to the <c>eventshadow.pool</c> label.</summary>
    public string Pool { get; set; } = "default";

    /// <summary>
    /// Maximum number of shadows of <see cref="Pool"/> alive on this Docker host at once, warm ones not counted. A
    /// proposal beyond it waits for a release, so that a large submission cannot exhaust the host.
    /// 0 derives it from the host with <see cref="DeriveMaxShadows"/>.
    /// </summary>
    public int MaxShadows { get; set; }

    /// <summary>Shadows per CPU of the Docker host when <see cref="MaxShadows"/> is 0.</summary>
    public const int ShadowsPerCpu = 8;

    /// <summary>Host memory, in MiB, per shadow when <see cref="MaxShadows"/> is 0.</summary>
    public const int HostMemoryMiBPerShadow = 512;

    /// <summary>
    /// Returns the shadow limit for a Docker host with <paramref name="cpus"/> CPUs and
    /// <paramref name="memoryBytes"/> of memory: <see cref="ShadowsPerCpu"/> per CPU, at most one per
    /// <see cref="HostMemoryMiBPerShadow"/> of memory, and at least 1.
    /// </summary>
    /// <remarks>
    /// The Validator runs 4 validations per processor by default. Twice that many shadows leaves room
    /// for the shadows that wait for a validation slot or for their release, which cost no CPU. One
    /// shadow per 512 MiB keeps shadows that fill the Cache profile's default of 256 MiB within half of
    /// the host's memory.
    /// </remarks>
    public static int DeriveMaxShadows(long cpus, long memoryBytes)
    {
        var byCpu = Math.Max(1, cpus) * ShadowsPerCpu;
        var byMemory = memoryBytes / (HostMemoryMiBPerShadow * 1024L * 1024L);
        return (int)Math.Clamp(Math.Min(byCpu, byMemory), 1, 10_000);
    }

    /// <summary>Seconds a proposal waits for a free shadow slot before it is reported unavailable.</summary>
    public int CapacityWaitSeconds { get; set; } = 300;

    /// <summary>
    /// Local stand-ins for the images that manifests name, tried in order; the first match wins.
    /// </summary>
    public IList<ShadowImageMapping> Images { get; } = new List<ShadowImageMapping>();

    /// <summary>
    /// Image repositories that shadows may run, such as <c>eventshadow/workload</c>; a registry other
    /// than Docker Hub is part of the repository. The repository of <see cref="WorkloadImage"/> is always
    /// allowed. A workload whose local image is not listed gets no shadow.
    /// </summary>
    public IList<string> AllowedImages { get; } = new List<string>();

    /// <summary>Warm pools, at most one per workload profile; a profile without one always starts cold.</summary>
    public IList<WarmPoolOptions> WarmPools { get; } = new List<WarmPoolOptions>();

    /// <summary>Limits on the warm shadows of all pools together.</summary>
    public WarmBudgetOptions WarmBudget { get; } = new();

    /// <summary>Memory limit of a warm shadow while it waits, in MiB; a claim raises it to the allocation.</summary>
    public int WarmMemoryMiB { get; set; } = 64;

    /// <summary>CPU limit of a warm shadow while it waits, in millicores; a claim sets the allocation's.</summary>
    public int WarmCpuMillicores { get; set; } = 100;

    /// <summary>Seconds between two sizings of the warm pools.</summary>
    public int SizingIntervalSeconds { get; set; } = 15;

    /// <summary>Hours of arrivals the forecast reads from the event store when the PoolManager starts.</summary>
    public int DemandHistoryHours { get; set; } = 24;

    /// <summary>Forecast: idle minutes of one warm shadow that one avoided cold start is worth.</summary>
    public double ColdStartCostMinutes { get; set; } = 20;

    /// <summary>Forecast: minutes a shadow stays warm after a claim while the profile's history is short.</summary>
    public int NewDemandKeepAliveMinutes { get; set; } = 10;

    /// <summary>Seconds between two runs of the reaper.</summary>
    public int ReaperIntervalSeconds { get; set; } = 60;

    /// <summary>
    /// Minutes a shadow may live from its creation, warm or claimed, before the reaper removes it.
    /// </summary>
    public int MaxShadowLifetimeMinutes { get; set; } = 120;

    /// <summary>
    /// Docker network, created as internal (no route off the host), that shadows of tasks with ports
    /// join. Every other shadow has no network.
    /// </summary>
    public string InternalNetwork { get; set; } = "eventshadow-shadows";

    /// <summary>
    /// Folders under which the Docker host's cgroup v1 memory controller keeps each container's
    /// cgroup, tried in order; empty for Docker's defaults. A claim writes the warm shadow's memory
    /// limit there and resets its peak memory counter, so that the Validator measures the workload only.
    /// </summary>
    public IList<string> CgroupMemoryFolders { get; } = new List<string>();

    /// <summary>
    /// Folders under which the Docker host's cgroup v1 CPU controller keeps each container's cgroup,
    /// tried in order; empty for Docker's defaults. A claim writes the warm shadow's CPU quota there.
    /// </summary>
    public IList<string> CgroupCpuFolders { get; } = new List<string>();
}

/// <summary>
/// The warm pool of one workload profile.
/// </summary>
public sealed class WarmPoolOptions
{
    /// <summary>Profile whose proposals this pool serves.</summary>
    public WorkloadProfile Profile { get; set; }

    /// <summary>
    /// Image as a manifest would name it, such as <c>redis</c>. Its <see cref="ShadowOptions.Images"/>
    /// mapping decides the local image, capabilities and read-only root of the pool's shadows, and only
    /// workloads with the same three can claim them.
    /// </summary>
    public string Image { get; set; } = "";

    /// <summary>Warm shadows kept whatever the forecast says, budget permitting.</summary>
    public int MinWarm { get; set; }

    /// <summary>Most warm shadows this pool keeps.</summary>
    public int MaxWarm { get; set; } = 4;
}

/// <summary>
/// Limits on warm shadows across pools. 0 means no limit.
/// </summary>
public sealed class WarmBudgetOptions
{
    /// <summary>Most warm shadows at once.</summary>
    public int MaxShadows { get; set; } = 8;

    /// <summary>Most memory of warm shadows at once, counted at <see cref="ShadowOptions.WarmMemoryMiB"/> each.</summary>
    public long MaxMemoryMiB { get; set; } = 512;
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
