using EventShadow.PoolManager.Sizing;

namespace EventShadow.PoolReplay;

/// <summary>
/// Decides, for one function, how many warm instances to hold at each minute of a replay.
/// </summary>
public interface IWarmPolicy
{
    /// <summary>
    /// Returns, for each instance the policy wants warm at <paramref name="minute"/>, its chance of use
    /// as the policy sees it (1 where the policy has no such notion).
    /// </summary>
    IReadOnlyList<double> WarmChances(int minute);

    /// <summary>Records the instances the function needed in <paramref name="minute"/>, after the minute.</summary>
    void Record(int minute, int demand);
}

/// <summary>
/// Instance k counts as used in every minute whose demand is k or more; the policies keep or drop each
/// instance by the time since its last use.
/// </summary>
internal sealed class InstanceUses
{
    private readonly List<int> lastUse = [];

    public IReadOnlyList<int> LastUse => lastUse;

    public void Record(int minute, int demand)
    {
        for (var rank = 0; rank < demand; rank++)
        {
            if (rank == lastUse.Count)
            {
                lastUse.Add(minute);
            }

            lastUse[rank] = minute;
        }
    }

    /// <summary>Returns one chance of 1 for each instance whose idle minutes at <paramref name="minute"/> lie in [from, to].</summary>
    public IReadOnlyList<double> WarmBetween(int minute, double from, double to)
    {
        var warm = new List<double>();
        foreach (var used in lastUse)
        {
            var idle = minute - used;
            if (idle >= 1 && idle >= from && idle <= to)
            {
                warm.Add(1.0);
            }
        }

        return warm;
    }
}

/// <summary>
/// Fixed keep-alive: an instance stays warm for a fixed number of minutes after its last use, as AWS
/// Lambda (10 minutes) and Azure Functions (20 minutes) did when the trace was recorded.
/// </summary>
public sealed class FixedKeepAlivePolicy(int keepAliveMinutes) : IWarmPolicy
{
    private readonly InstanceUses uses = new();

    public IReadOnlyList<double> WarmChances(int minute) => uses.WarmBetween(minute, 1, keepAliveMinutes);

    public void Record(int minute, int demand) => uses.Record(minute, demand);
}

/// <summary>
/// The PoolManager's policy: <see cref="DemandForecaster"/>, the class the service sizes its pools with.
/// </summary>
public sealed class ForecastPolicy(ForecastSettings settings) : IWarmPolicy
{
    private readonly DemandForecaster forecaster = new(settings);

    public IReadOnlyList<double> WarmChances(int minute) => forecaster.WarmChances(minute);

    public void Record(int minute, int demand)
    {
        if (demand > 0)
        {
            forecaster.Record(minute, demand);
        }
    }
}
