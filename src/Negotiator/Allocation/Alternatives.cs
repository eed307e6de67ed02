using EventShadow.Contracts;
using EventShadow.Negotiator.Pools;

namespace EventShadow.Negotiator.Allocation;

/// <summary>
/// Builds the ranked alternatives that travel with a proposal: a tighter and a roomier allocation in
/// the granted pool, then the proposal itself in each other pool, cheapest first.
/// </summary>
public static class Alternatives
{
    /// <summary>Share of memory a tighter alternative saves, and a roomier one adds twice over.</summary>
    public const double Step = 0.25;

    public static IReadOnlyList<AllocationAlternative> For(
        ResourceAllocation proposed, int gpus, string grantedPool, ResourcePoolOptions pools, NegotiationOptions limits, int? floorMiB)
    {
        var granted = pools.Find(grantedPool);
        var alternatives = new List<AllocationAlternative>();

        var tighterMemory = Math.Max(UsageEvidence.RoundUp(proposed.MemoryMiB * (1 - Step)), Math.Max(limits.MinMemoryMiB, floorMiB ?? 0));
        if (tighterMemory < proposed.MemoryMiB)
        {
            var tighter = proposed with { MemoryMiB = tighterMemory };
            alternatives.Add(new AllocationAlternative(
                "tighter", grantedPool, tighter,
                $"{Step:P0} less memory: cheaper, with less room above what was measured or assumed; a trial would have to confirm it",
                granted?.HourlyCost(tighter, gpus)));
        }

        var roomierMemory = Math.Min(UsageEvidence.RoundUp(proposed.MemoryMiB * (1 + (2 * Step))), limits.MaxMemoryMiB);
        var roomierCpu = Math.Min((int)Math.Ceiling(proposed.CpuMillicores * (1 + (2 * Step))), limits.MaxCpuMillicores);
        if (roomierMemory > proposed.MemoryMiB || roomierCpu > proposed.CpuMillicores)
        {
            var roomier = new ResourceAllocation(roomierCpu, roomierMemory);
            alternatives.Add(new AllocationAlternative(
                "roomier", grantedPool, roomier,
                $"{DescribeGrowth(proposed, roomier, limits)}: headroom for peaks the trial did not see, at a higher price",
                granted?.HourlyCost(roomier, gpus)));
        }

        var otherPools = pools.Pools
            .Where(pool => pool.Name != grantedPool && pool.Gpus >= gpus)
            .Select(pool => new AllocationAlternative(
                $"pool {pool.Name}", pool.Name, proposed,
                $"the same allocation in pool {pool.Name}, if it has room when the scheduler launches",
                pool.HourlyCost(proposed, gpus)))
            .OrderBy(alternative => alternative.HourlyCost ?? decimal.MaxValue);
        alternatives.AddRange(otherPools);

        return alternatives;
    }

    /// <summary>
    /// Describes how much more CPU and memory <paramref name="roomier"/> gives, and which of them the
    /// configured maximum kept from growing by the full step.
    /// </summary>
    private static string DescribeGrowth(ResourceAllocation proposed, ResourceAllocation roomier, NegotiationOptions limits)
    {
        var cpuGrowth = (roomier.CpuMillicores / (double)proposed.CpuMillicores) - 1;
        var memoryGrowth = (roomier.MemoryMiB / (double)proposed.MemoryMiB) - 1;
        var growth = Math.Abs(cpuGrowth - memoryGrowth) < 0.005
            ? $"{cpuGrowth:P0} more CPU and memory"
            : string.Join(" and ", new[] { (cpuGrowth, "CPU"), (memoryGrowth, "memory") }
                .Where(part => part.Item1 > 0)
                .Select(part => $"{part.Item1:P0} more {part.Item2}"));

        var capped = new List<string>();
        if (roomier.CpuMillicores == limits.MaxCpuMillicores && cpuGrowth < 2 * Step)
        {
            capped.Add($"CPU is capped at {limits.MaxCpuMillicores}m by Negotiation:MaxCpuMillicores");
        }

        if (roomier.MemoryMiB == limits.MaxMemoryMiB && memoryGrowth < 2 * Step)
        {
            capped.Add($"memory is capped at {limits.MaxMemoryMiB} MiB by Negotiation:MaxMemoryMiB");
        }

        return capped.Count == 0 ? growth : $"{growth} ({string.Join(", ", capped)})";
    }
}
