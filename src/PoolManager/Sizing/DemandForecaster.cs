namespace EventShadow.PoolManager.Sizing;

/// <summary>
/// How <see cref="DemandForecaster"/> trades idle warm instances against cold starts.
/// </summary>
/// <param name="ColdStartCostMinutes">
/// Idle minutes of one warm instance that one avoided cold start is worth. An instance is kept warm
/// through a minute when the chance that it is needed in that minute is at least the inverse of this.
/// </param>
/// <param name="NewDemandKeepAliveMinutes">
/// Minutes an instance stays warm after its use while its history is too short to forecast from.
/// </param>
/// <param name="MaxGapMinutes">Longest gap between uses that the history records exactly; longer ones count as "longer".</param>
public sealed record ForecastSettings(
    double ColdStartCostMinutes = 20,
    int NewDemandKeepAliveMinutes = 10,
    int MaxGapMinutes = 1440)
{
    /// <summary>Lowest chance of use in a minute for which an instance is kept warm.</summary>
    public double WarmThreshold => 1.0 / ColdStartCostMinutes;
}

/// <summary>
/// Forecasts, from a history of demand per minute, how many warm instances to hold at a given minute.
/// </summary>
/// <remarks>
/// <para>
/// Demand in a minute is the number of instances needed at once. Instance k (k = 1, 2, ...) counts as
/// used in every minute whose demand is k or more, so each rank has its own series of gaps between
/// uses. For the gap s minutes since the rank's last use, the forecaster estimates the discrete hazard:
/// the chance that the next use comes exactly s minutes after the last one, given that it has not come
/// sooner. It is the number of recorded gaps of length s divided by the number of gaps of length s or
/// more, counting the gap in progress, smoothed by one pseudo-observation of a prior that expects use
/// within <see cref="ForecastSettings.NewDemandKeepAliveMinutes"/> and none after. With the prior alone,
/// a new rank is kept warm for that many minutes after each use; as gaps accumulate the measured hazard
/// takes over.
/// </para>
/// <para>
/// Keeping an instance warm for a minute costs one idle instance-minute and avoids a cold start with
/// that chance, so holding it is worthwhile when chance × <see cref="ForecastSettings.ColdStartCostMinutes"/>
/// is at least one. The class is pure and deterministic: the PoolManager and the offline replay
/// (tools/PoolReplay) run this same code.
/// </para>
/// </remarks>
public sealed class DemandForecaster(ForecastSettings settings)
{
    private const double PriorWeight = 1.0;

    private readonly List<RankHistory> ranks = [];
    private long? lastRecordedMinute;

    public ForecastSettings Settings { get; } = settings;

    /// <summary>
    /// Records the demand of <paramref name="minute"/>. Minutes must come in increasing order; minutes
    /// without demand may be left out.
    /// </summary>
    public void Record(long minute, int demand)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(demand);
        if (lastRecordedMinute is { } last && minute <= last)
        {
            throw new ArgumentOutOfRangeException(nameof(minute), minute, $"minute must be later than the last recorded minute {last}");
        }

        lastRecordedMinute = minute;
        for (var rank = 0; rank < demand; rank++)
        {
            if (rank == ranks.Count)
            {
                ranks.Add(new RankHistory(Settings.MaxGapMinutes));
            }

            ranks[rank].Use(minute);
        }
    }

    /// <summary>
    /// Returns, for each instance worth keeping warm at <paramref name="minute"/>, the estimated chance
    /// that it is needed in that minute, highest first. Its count is the forecast pool size.
    /// </summary>
    public IReadOnlyList<double> WarmChances(long minute)
    {
        var chances = new List<double>();
        foreach (var rank in ranks)
        {
            var chance = ChanceOfUse(rank, minute);
            if (chance >= Settings.WarmThreshold)
            {
                chances.Add(chance);
            }
        }

        chances.Sort((left, right) => right.CompareTo(left));
        return chances;
    }

    /// <summary>Returns how many instances to hold warm at <paramref name="minute"/>.</summary>
    public int WarmTarget(long minute) => WarmChances(minute).Count;

    private double ChanceOfUse(RankHistory rank, long minute)
    {
        var gap = minute - rank.LastUse;
        if (gap < 1)
        {
            return 0;
        }

        var prior = gap <= Settings.NewDemandKeepAliveMinutes ? 1.0 : 0.0;
        if (gap > Settings.MaxGapMinutes)
        {
            return 0;
        }

        var length = (int)gap;
        var endedHere = rank.GapsOfLength(length);
        var atRisk = rank.GapsOfLengthAtLeast(length) + 1;
        return (endedHere + PriorWeight * prior) / (atRisk + PriorWeight);
    }

    /// <summary>
    /// Gaps between the uses of one rank, counted by length in a Fenwick tree so that both "exactly s"
    /// and "s or more" take logarithmic time.
    /// </summary>
    private sealed class RankHistory(int maxGap)
    {
        private readonly int[] tree = new int[maxGap + 1];
        private int recorded;
        private int longer;

        public long LastUse { get; private set; } = long.MinValue;

        public void Use(long minute)
        {
            if (LastUse != long.MinValue)
            {
                var gap = minute - LastUse;
                if (gap > maxGap)
                {
                    longer++;
                }
                else
                {
                    for (var index = (int)gap; index <= maxGap; index += index & -index)
                    {
                        tree[index]++;
                    }

                    recorded++;
                }
            }

            LastUse = minute;
        }

        public int GapsOfLength(int length) => CountUpTo(length) - CountUpTo(length - 1);

        public int GapsOfLengthAtLeast(int length) => recorded - CountUpTo(length - 1) + longer;

        private int CountUpTo(int length)
        {
            var count = 0;
            for (var index = length; index > 0; index -= index & -index)
            {
                count += tree[index];
            }

            return count;
        }
    }
}
