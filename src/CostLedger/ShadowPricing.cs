using EventShadow.Contracts;

namespace EventShadow.CostLedger;

/// <summary>
/// Prices a shadow's lifetime: its seconds times its allocation's CPU and memory at hourly prices.
/// </summary>
public static class ShadowPricing
{
    private const decimal SecondsPerHour = 3600m;
    private const decimal MillicoresPerCore = 1000m;
    private const decimal MiBPerGiB = 1024m;

    /// <summary>
    /// Returns the shadow's seconds and their cost, rounded to a millionth of the currency unit.
    /// A release recorded before its claim (clock skew between hosts) counts as zero seconds.
    /// </summary>
    public static (double Seconds, decimal Cost) Price(ShadowReleased released, PoolPrice price)
    {
        var seconds = Math.Max(0, (released.ReleasedAt - released.ClaimedAt).TotalSeconds);
        var hours = (decimal)seconds / SecondsPerHour;
        var cores = released.Allocation.CpuMillicores / MillicoresPerCore;
        var gibibytes = released.Allocation.MemoryMiB / MiBPerGiB;

        var cost = hours * ((cores * price.VcpuHour) + (gibibytes * price.GibHour));
        return (seconds, Math.Round(cost, 6, MidpointRounding.AwayFromZero));
    }
}
