namespace EventShadow.Contracts;

/// <summary>
/// CPU and memory given to one container: what a shadow runs with and what a scheduler launches.
/// </summary>
/// <param name="CpuMillicores">CPU in thousandths of a core (Kubernetes' <c>m</c> unit).</param>
/// <param name="MemoryMiB">Memory limit in mebibytes.</param>
public sealed record ResourceAllocation(int CpuMillicores, int MemoryMiB)
{
    public override string ToString() => $"{CpuMillicores}m CPU, {MemoryMiB} MiB";
}

/// <summary>
/// Requests or limits that a manifest states. Null where the manifest is silent.
/// </summary>
public sealed record ResourceBounds(int? CpuMillicores, int? MemoryMiB)
{
    public static readonly ResourceBounds None = new(null, null);

    public bool IsEmpty => CpuMillicores is null && MemoryMiB is null;
}

/// <summary>
/// Kind of software a container runs, derived from its image and hints. It selects default
/// allocations, the shadow image and the validation suite.
/// </summary>
public enum WorkloadProfile
{
    Generic,
    Database,
    Cache,
    SearchEngine,
    JvmService,
    WebServer,
    GpuInference,
    Batch,
}
