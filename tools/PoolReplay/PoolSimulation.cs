using EventShadow.PoolManager.Sizing;

namespace EventShadow.PoolReplay;

/// <summary>
/// What one policy did over a whole trace.
/// </summary>
/// <param name="ColdStarts">Invocations that found no warm instance.</param>
/// <param name="IdleGibMinutes">Memory of warm instances that served nothing, summed over the minutes they idled, in GiB-minutes.</param>
/// <param name="FunctionColdStartP75">75th percentile over functions of each function's cold-start percentage.</param>
public sealed record PolicyResult(string Policy, long Invocations, long ColdStarts, double IdleGibMinutes, double FunctionColdStartP75)
{
    public double ColdStartPercent => Invocations == 0 ? 0 : 100.0 * ColdStarts / Invocations;
}

/// <summary>
/// A budget on warm instances across all functions, as <c>Shadows:WarmBudget</c> sets it for the service.
/// </summary>
/// <param name="MaxInstances">Most warm instances at once; 0 for no limit.</param>
/// <param name="MaxMemoryMiB">Most memory of warm instances at once; 0 for no limit.</param>
public sealed record ReplayBudget(int MaxInstances, long MaxMemoryMiB)
{
    public static readonly ReplayBudget None = new(0, 0);
}

/// <summary>
/// Replays a trace minute by minute against one policy per function, all functions in step.
/// </summary>
/// <remarks>
/// At the start of each minute every function holds the warm instances its policy asks for, cut to
/// the budget by <see cref="WarmBudget"/> as the PoolManager does. The function then needs
/// <see cref="TracedFunction.Concurrency"/> instances: warm ones serve first, and each instance beyond
/// them is started cold, which makes its first invocation a cold start. Warm instances beyond the need
/// idle through the minute and cost their memory. Instances are reused across minutes, as a function
/// runtime reuses its containers.
/// </remarks>
public static class PoolSimulation
{
    public static PolicyResult Run(string name, InvocationTrace trace, Func<IWarmPolicy> createPolicy, ReplayBudget budget)
    {
        var functions = trace.Functions;
        var policies = functions.Select(_ => createPolicy()).ToArray();
        var coldStarts = new long[functions.Count];
        double idleMibMinutes = 0;

        for (var minute = 0; minute < trace.Minutes; minute++)
        {
            var demands = new WarmDemand<int>[functions.Count];
            for (var index = 0; index < functions.Count; index++)
            {
                var chances = policies[index].WarmChances(minute);
                demands[index] = new WarmDemand<int>(index, (int)Math.Ceiling(functions[index].MemoryMiB), 0, chances.Count, chances);
            }

            var warm = budget == ReplayBudget.None
                ? demands.ToDictionary(demand => demand.Key, demand => demand.Chances.Count)
                : WarmBudget.Allocate(demands, budget.MaxInstances, budget.MaxMemoryMiB);

            for (var index = 0; index < functions.Count; index++)
            {
                var need = functions[index].Concurrency(minute);
                var held = warm[index];
                coldStarts[index] += Math.Max(0, need - held);
                idleMibMinutes += Math.Max(0, held - need) * functions[index].MemoryMiB;
                policies[index].Record(minute, need);
            }
        }

        var invocations = functions.Sum(function => function.Invocations.Sum(count => (long)count));
        var perFunction = functions
            .Select((function, index) => 100.0 * coldStarts[index] / Math.Max(1, function.Invocations.Sum()))
            .Order()
            .ToArray();
        return new PolicyResult(name, invocations, coldStarts.Sum(), idleMibMinutes / 1024.0, Percentile(perFunction, 0.75));
    }

    /// <summary>Returns the nearest-rank percentile of sorted values; 0 for none.</summary>
    internal static double Percentile(IReadOnlyList<double> sorted, double percentile)
    {
        if (sorted.Count == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(percentile * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
