namespace EventShadow.PoolReplay;

/// <summary>
/// Settings of the hybrid histogram policy, with the values that Shahrad et al. evaluated.
/// </summary>
/// <param name="RangeMinutes">Idle times the histogram holds, in one-minute bins: 4 hours.</param>
/// <param name="HeadPercentile">Percentile of idle times that sets the pre-warming window: the 5th.</param>
/// <param name="TailPercentile">Percentile of idle times that sets the end of the keep-alive window: the 99th.</param>
/// <param name="HistogramMargin">Share taken off the pre-warming window and added to the keep-alive window: 10%.</param>
/// <param name="RepresentativeCv">Coefficient of variation of the bin counts from which a histogram is trusted: 2.</param>
/// <param name="OutOfBoundsShare">Share of idle times beyond the range from which the time-series forecast takes over: one half.</param>
/// <param name="ForecastMargin">Margin around the forecast idle time: 15%.</param>
public sealed record HybridHistogramSettings(
    int RangeMinutes = 240,
    double HeadPercentile = 0.05,
    double TailPercentile = 0.99,
    double HistogramMargin = 0.10,
    double RepresentativeCv = 2.0,
    double OutOfBoundsShare = 0.5,
    double ForecastMargin = 0.15);

/// <summary>
/// The hybrid histogram policy of "Serverless in the Wild" (Shahrad et al., USENIX ATC 2020, section
/// 4.2), driven by the idle times between a function's invocations.
/// </summary>
/// <remarks>
/// <para>
/// After every invoked minute the policy records the idle time since the previous invoked minute in a
/// histogram of one-minute bins over 4 hours, and derives two windows measured from the last use:
/// instances are unloaded after use, loaded again at the pre-warming window and kept until the end of
/// the keep-alive window.
/// </para>
/// <list type="bullet">
/// <item>While the histogram is not representative (the coefficient of variation of its bin counts is
/// below 2, which includes an empty one), it falls back to a fixed keep-alive as long as the histogram's
/// range, with no pre-warming.</item>
/// <item>When it is, pre-warming starts at the 5th-percentile idle time less 10% and the keep-alive
/// window ends at the 99th-percentile idle time plus 10%.</item>
/// <item>When half or more of the idle times fall beyond the range, a time-series forecast F of the
/// next idle time sets the windows to [F less 15%, F plus 15%].</item>
/// </list>
/// <para>
/// NOTE: the paper forecasts with ARIMA and does not publish its order. This class fits an AR(1) model,
/// ARIMA(1,0,0), to the idle times by least squares and uses the last idle time while there are fewer
/// than three. The paper sets one pair of windows per application; this replay applies the windows of
/// the function's history to every instance it needs, each timed from that instance's last use.
/// </para>
/// </remarks>
public sealed class HybridHistogramPolicy(HybridHistogramSettings settings) : IWarmPolicy
{
    private readonly InstanceUses uses = new();
    private readonly int[] bins = new int[settings.RangeMinutes];
    private readonly List<double> idleTimes = [];
    private int inRange;
    private int outOfBounds;
    private int? lastInvokedMinute;
    private (double From, double To) window = (0, settings.RangeMinutes);

    public HybridHistogramSettings Settings { get; } = settings;

    /// <summary>The windows now in force, in minutes since the last use.</summary>
    public (double PreWarm, double KeepAliveEnd) Window => window;

    public IReadOnlyList<double> WarmChances(int minute) => uses.WarmBetween(minute, window.From, window.To);

    public void Record(int minute, int demand)
    {
        if (demand == 0)
        {
            return;
        }

        if (lastInvokedMinute is { } previous)
        {
            var idle = minute - previous;
            idleTimes.Add(idle);
            if (idle <= Settings.RangeMinutes)
            {
                bins[idle - 1]++;
                inRange++;
            }
            else
            {
                outOfBounds++;
            }
        }

        lastInvokedMinute = minute;
        uses.Record(minute, demand);
        window = ComputeWindow();
    }

    private (double From, double To) ComputeWindow()
    {
        var total = inRange + outOfBounds;
        if (total > 0 && outOfBounds >= Settings.OutOfBoundsShare * total)
        {
            var forecast = ForecastIdleTime();
            return (forecast * (1 - Settings.ForecastMargin), forecast * (1 + Settings.ForecastMargin));
        }

        if (!IsRepresentative())
        {
            return (0, Settings.RangeMinutes);
        }

        var head = IdleTimeAtPercentile(Settings.HeadPercentile);
        var tail = IdleTimeAtPercentile(Settings.TailPercentile);
        return (Math.Floor(head * (1 - Settings.HistogramMargin)), Math.Ceiling(tail * (1 + Settings.HistogramMargin)));
    }

    private bool IsRepresentative()
    {
        if (inRange == 0)
        {
            return false;
        }

        var mean = (double)inRange / bins.Length;
        var squares = bins.Sum(count => (count - mean) * (count - mean));
        var deviation = Math.Sqrt(squares / (bins.Length - 1));
        return deviation / mean >= Settings.RepresentativeCv;
    }

    /// <summary>Returns the idle time, in whole minutes, of the bin where the cumulative share reaches <paramref name="percentile"/>.</summary>
    private int IdleTimeAtPercentile(double percentile)
    {
        var cumulative = 0;
        for (var bin = 0; bin < bins.Length; bin++)
        {
            cumulative += bins[bin];
            if (cumulative >= percentile * inRange)
            {
                return bin + 1;
            }
        }

        return bins.Length;
    }

    private double ForecastIdleTime()
    {
        if (idleTimes.Count < 3)
        {
            return idleTimes[^1];
        }

        var mean = idleTimes.Average();
        double covariance = 0;
        double variance = 0;
        for (var index = 1; index < idleTimes.Count; index++)
        {
            covariance += (idleTimes[index] - mean) * (idleTimes[index - 1] - mean);
            variance += (idleTimes[index - 1] - mean) * (idleTimes[index - 1] - mean);
        }

        var coefficient = variance > 0 ? Math.Clamp(covariance / variance, -0.99, 0.99) : 0;
        return Math.Max(1, mean + coefficient * (idleTimes[^1] - mean));
    }
}
