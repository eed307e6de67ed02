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

    /// <param name="stated">The manifest's own limits: a roomier alternative stays within them, as the proposal does.</param>
    public static IReadOnlyList<AllocationAlternative> For(
        ResourceAllocation proposed, int gpus, string grantedPool, ResourcePoolOptions pools, NegotiationOptions limits, int? floorMiB,
        ResourceBounds? stated = null)
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

        var memoryCap = Cap(limits.MaxMemoryMiB, "MiB", "Negotiation:MaxMemoryMiB", stated?.MemoryMiB, "memory");
        var cpuCap = Cap(limits.MaxCpuMillicores, "m", "Negotiation:MaxCpuMillicores", stated?.CpuMillicores, "CPU");
        var roomierMemory = Math.Min(UsageEvidence.RoundUp(proposed.MemoryMiB * (1 + (2 * Step))), memoryCap.Value);
        var roomierCpu = Math.Min((int)Math.Ceiling(proposed.CpuMillicores * (1 + (2 * Step))), cpuCap.Value);
        if (roomierMemory > proposed.MemoryMiB || roomierCpu > proposed.CpuMillicores)
        {
            var roomier = new ResourceAllocation(roomierCpu, roomierMemory);
            alternatives.Add(new AllocationAlternative(
                "roomier", grantedPool, roomier,
                $"{DescribeGrowth(proposed, roomier, cpuCap, memoryCap)}: headroom for peaks the trial did not see, at a higher price",
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
    /// Returns the lower of the configured maximum and the manifest's own limit, with what sets it.
    /// </summary>
    private static ResourceCap Cap(int maximum, string unit, string setting, int? stated, string resource) =>
        stated is { } limit && limit < maximum
            ? new ResourceCap(limit, $"{resource} is capped at the manifest's limit of {limit}{Spaced(unit)}")
            : new ResourceCap(maximum, $"{resource} is capped at {maximum}{Spaced(unit)} by {setting}");

    private static string Spaced(string unit) => unit == "m" ? unit : $" {unit}";

    /// <summary>
    /// Describes how much more CPU and memory <paramref name="roomier"/> gives, and which of them a
    /// cap kept from growing by the full step.
    /// </summary>
    private static string DescribeGrowth(ResourceAllocation proposed, ResourceAllocation roomier, ResourceCap cpuCap, ResourceCap memoryCap)
    {
        var cpuGrowth = (roomier.CpuMillicores / (double)proposed.CpuMillicores) - 1;
        var memoryGrowth = (roomier.MemoryMiB / (double)proposed.MemoryMiB) - 1;
        var growth = Math.Abs(cpuGrowth - memoryGrowth) < 0.005
            ? $"{cpuGrowth:P0} more CPU and memory"
            : string.Join(" and ", new[] { (cpuGrowth, "CPU"), (memoryGrowth, "memory") }
                .Where(part => part.Item1 > 0)
                .Select(part => $"{part.Item1:P0} more {part.Item2}"));

        var capped = new List<string>();
        if (roomier.CpuMillicores == cpuCap.Value && cpuGrowth < 2 * Step)
        {
            capped.Add(cpuCap.Reason);
        }

        if (roomier.MemoryMiB == memoryCap.Value && memoryGrowth < 2 * Step)
        {
            capped.Add(memoryCap.Reason);
        }

        return capped.Count == 0 ? growth : $"{growth} ({string.Join(", ", capped)})";
    }
}

/// <summary>The most a roomier alternative may give of one resource, and what sets that.</summary>
internal sealed record ResourceCap(int Value, string Reason);
