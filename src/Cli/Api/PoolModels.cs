namespace EventShadow.Cli.Api;

/// <summary>CPU, memory and GPUs, as <c>GET /capacity</c> reports them.</summary>
public sealed record ResourceAmount(long CpuMillicores, long MemoryMiB, int Gpus);

/// <summary>One resource pool of <c>GET /capacity</c> on the Negotiator: its capacity and what is committed, leased and free.</summary>
public sealed record PoolCapacity(string Pool, ResourceAmount Capacity, ResourceAmount Committed, ResourceAmount Leased, ResourceAmount Free, int Negotiations);

/// <summary><c>GET /pools</c> on a PoolManager: the warm shadow pools of its Docker host.</summary>
public sealed record WarmPools(string Pool, string Instance, IReadOnlyList<WarmPool> Profiles);

/// <summary>One profile's warm pool: forecast demand, target size, warm and claimed shadows, and cold starts in the window.</summary>
public sealed record WarmPool(
    string Profile,
    bool HasWarmPool,
    int Forecast,
    int Target,
    int Warm,
    int Claimed,
    int Claims,
    int ColdStarts,
    double? ColdStartRate,
    int WindowMinutes,
    DateTimeOffset? SizedAt);
