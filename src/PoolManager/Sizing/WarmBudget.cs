namespace EventShadow.PoolManager.Sizing;

/// <summary>
/// What one pool asks for in a sizing round.
/// </summary>
/// <param name="Key">The pool, such as a workload profile.</param>
/// <param name="MemoryMiB">Memory of one of its warm instances.</param>
/// <param name="Floor">Instances to keep whatever the forecast says, budget permitting.</param>
/// <param name="Ceiling">Most instances it may keep.</param>
/// <param name="Chances">The forecast: chance of use of each instance worth keeping, highest first.</param>
public sealed record WarmDemand<TKey>(TKey Key, int MemoryMiB, int Floor, int Ceiling, IReadOnlyList<double> Chances);

/// <summary>
/// Shares a limited number of warm instances and a limited amount of memory among pools.
/// </summary>
/// <remarks>
/// Floors come first, in the order the demands are given. The rest of the budget goes to forecast
/// instances in decreasing order of chance of use per GiB, so that the instances most likely to avoid a
/// cold start for their memory are kept. A limit of 0 or less means no limit.
/// </remarks>
public static class WarmBudget
{
    public static IReadOnlyDictionary<TKey, int> Allocate<TKey>(IReadOnlyList<WarmDemand<TKey>> demands, int maxInstances, long maxMemoryMiB)
        where TKey : notnull
    {
        var sizes = demands.ToDictionary(demand => demand.Key, _ => 0);
        var instances = 0;
        long memory = 0;

        bool Fits(WarmDemand<TKey> demand) =>
            (maxInstances <= 0 || instances < maxInstances) &&
            (maxMemoryMiB <= 0 || memory + demand.MemoryMiB <= maxMemoryMiB) &&
            sizes[demand.Key] < demand.Ceiling;

        void Take(WarmDemand<TKey> demand)
        {
            sizes[demand.Key]++;
            instances++;
            memory += demand.MemoryMiB;
        }

        foreach (var demand in demands)
        {
            while (sizes[demand.Key] < demand.Floor && Fits(demand))
            {
                Take(demand);
            }
        }

        var candidates = demands
            .SelectMany(demand => demand.Chances.Select((chance, rank) => (Demand: demand, Rank: rank, Value: chance / Math.Max(1, demand.MemoryMiB))))
            .OrderByDescending(candidate => candidate.Value)
            .ThenBy(candidate => candidate.Rank);

        foreach (var (demand, rank, _) in candidates)
        {
            // The floor already covers the first instances of the forecast.
            if (rank >= sizes[demand.Key] && Fits(demand))
            {
                Take(demand);
            }
        }

        return sizes;
    }
}
