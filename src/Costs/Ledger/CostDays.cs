using System.Globalization;
using EventShadow.Contracts;

namespace EventShadow.Costs.Ledger;

/// <summary>
/// UTC days as cost history keys them, and the segments of cost events that older records lack.
/// </summary>
public static class CostDays
{
    public static DateOnly DayOf(DateTimeOffset instant) => DateOnly.FromDateTime(instant.UtcDateTime);

    public static string Key(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Key(DateTimeOffset instant) => Key(DayOf(instant));

    /// <summary>
    /// Returns the segments of a shadow's cost. A cost recorded before segments were kept becomes one
    /// segment that ends when it was recorded.
    /// </summary>
    public static IReadOnlyList<CostSegment> SegmentsOf(ShadowCostRecorded recorded, DateTimeOffset recordedAt) =>
        recorded.Segments is { Count: > 0 } segments
            ? segments
            : [new CostSegment(recordedAt.AddSeconds(-recorded.ShadowSeconds), recordedAt, recorded.PriceList, recorded.Cost)];

    /// <summary>Returns the distinct days the segments fall on, in order.</summary>
    public static IReadOnlyList<DateOnly> DaysOf(IReadOnlyList<CostSegment> segments)
    {
        var days = new List<DateOnly>(1);
        foreach (var segment in segments)
        {
            var day = DayOf(segment.Start);
            if (!days.Contains(day))
            {
                days.Add(day);
            }
        }

        return days;
    }
}
