using System.ComponentModel.DataAnnotations;

namespace EventShadow.Negotiator.Pools;

/// <summary>
/// Resource pools that committed and proposed allocations draw from, from the <c>ResourcePools</c> section.
/// </summary>
public sealed class ResourcePoolOptions : IValidatableObject
{
    public const string SectionName = "ResourcePools";

    /// <summary>Seconds a proposal holds its capacity unless the negotiation commits or proposes again.</summary>
    [Range(10, 86_400)]
    public int LeaseSeconds { get; set; } = 600;

    /// <summary>
    /// Most waiting changes of one pool (leases, commits, releases) applied in one transaction under the
    /// pool's lock; 1 gives each change a transaction of its own.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxChangesPerTransaction { get; set; } = 200;

    /// <summary>Pools in order of preference: a proposal goes to the first pool it fits in.</summary>
    public IList<ResourcePoolSettings> Pools { get; set; } = [];

    public ResourcePoolSettings? Find(string name) => Pools.FirstOrDefault(pool => pool.Name == name);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Pools.Count == 0)
        {
            yield return new ValidationResult("ResourcePools:Pools is empty; configure at least one pool with its capacity.", [nameof(Pools)]);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < Pools.Count; index++)
        {
            var pool = Pools[index];
            var key = $"ResourcePools:Pools:{index}";
            if (string.IsNullOrWhiteSpace(pool.Name))
            {
                yield return new ValidationResult($"{key}:Name is missing.", [nameof(Pools)]);
            }
            else if (!seen.Add(pool.Name))
            {
                yield return new ValidationResult($"{key}:Name '{pool.Name}' is used by an earlier pool.", [nameof(Pools)]);
            }

            if (pool.CpuMillicores <= 0 || pool.MemoryMiB <= 0 || pool.Gpus < 0)
            {
                yield return new ValidationResult(
                    $"{key} ('{pool.Name}') must have positive CpuMillicores and MemoryMiB and no negative Gpus.", [nameof(Pools)]);
            }

            if (pool.VcpuHour < 0 || pool.GibHour < 0 || pool.GpuHour < 0)
            {
                yield return new ValidationResult($"{key} ('{pool.Name}') has a negative price.", [nameof(Pools)]);
            }
        }
    }
}

/// <summary>
/// One pool: its capacity and, for ranking alternatives by cost, its hourly prices.
/// </summary>
public sealed class ResourcePoolSettings
{
    public string Name { get; set; } = "";

    public long CpuMillicores { get; set; }

    public long MemoryMiB { get; set; }

    public int Gpus { get; set; }

    public decimal VcpuHour { get; set; }

    public decimal GibHour { get; set; }

    public decimal GpuHour { get; set; }

    public decimal HourlyCost(EventShadow.Contracts.ResourceAllocation allocation, int gpus) =>
        (allocation.CpuMillicores / 1000m * VcpuHour) + (allocation.MemoryMiB / 1024m * GibHour) + (gpus * GpuHour);
}
