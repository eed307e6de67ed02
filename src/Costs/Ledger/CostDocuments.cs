using EventShadow.Contracts;

namespace EventShadow.Costs.Ledger;

/// <summary>
/// Cost history of one UTC day in one pool for one workload profile: the cell that every report
/// by day, pool or profile sums up. Its id is <c>day|pool|profile</c>.
/// </summary>
public sealed class CostCell
{
    public string Id { get; set; } = "";

    /// <summary>The day as <see cref="DateOnly.DayNumber"/>, for range queries.</summary>
    public int DayNumber { get; set; }

    public string Pool { get; set; } = "";

    public string Profile { get; set; } = "";

    public CostTotals Totals { get; set; } = new();

    public DateOnly Day => DateOnly.FromDayNumber(DayNumber);

    public static string KeyOf(DateOnly day, string pool, string profile) => $"{CostDays.Key(day)}|{pool}|{profile}";

    public static IReadOnlyList<string> KeysFor(ShadowCostRecorded recorded, DateTimeOffset recordedAt) =>
        CostDays.DaysOf(CostDays.SegmentsOf(recorded, recordedAt))
            .Select(day => KeyOf(day, recorded.Pool, ProfileName(recorded.Profile)))
            .ToList();

    public static IReadOnlyList<string> KeysFor(IdleShadowCostRecorded recorded) =>
        CostDays.DaysOf(recorded.Segments)
            .Select(day => KeyOf(day, recorded.Pool, recorded.Profile.ToString()))
            .ToList();

    public static string KeyFor(CommittedAllocationPriced priced) =>
        KeyOf(CostDays.DayOf(priced.CommittedAt), priced.Pool, priced.Profile.ToString());

    /// <summary>Adds the parts of a shadow's cost that fall on this cell's day; the run counts on the day it was claimed.</summary>
    public void Add(ShadowCostRecorded recorded, DateTimeOffset recordedAt)
    {
        EnsureKey();
        var segments = CostDays.SegmentsOf(recorded, recordedAt);
        foreach (var segment in segments)
        {
            if (CostDays.DayOf(segment.Start) == Day)
            {
                Totals.AddShadowSegment(segment, recorded.Currency);
            }
        }

        if (CostDays.DayOf(segments[0].Start) == Day)
        {
            Totals.AddShadowRun(recorded);
        }
    }

    public void Add(IdleShadowCostRecorded recorded)
    {
        EnsureKey();
        for (var index = 0; index < recorded.Segments.Count; index++)
        {
            var segment = recorded.Segments[index];
            if (CostDays.DayOf(segment.Start) == Day)
            {
                Totals.AddIdleSegment(segment, firstOfPeriod: index == 0, recorded.Currency);
            }
        }
    }

    public void Add(CommittedAllocationPriced priced)
    {
        EnsureKey();
        Totals.AddCommitment(priced);
    }

    /// <summary>Fills day, pool and profile from the id, which the projection sets on a new cell.</summary>
    private void EnsureKey()
    {
        if (Pool.Length > 0)
        {
            return;
        }

        var parts = Id.Split('|', 3);
        if (parts.Length != 3)
        {
            throw new InvalidOperationException($"Cost cell id '{Id}' is not of the form day|pool|profile.");
        }

        DayNumber = DateOnly.ParseExact(parts[0], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).DayNumber;
        Pool = parts[1];
        Profile = parts[2];
    }

    /// <summary>The profile name of a cost; costs recorded before profiles were kept count as <c>Unknown</c>.</summary>
    internal static string ProfileName(WorkloadProfile? profile) => profile?.ToString() ?? "Unknown";
}

/// <summary>
/// Demand of one UTC day: tasks submitted for negotiation. Its id is the day, <c>yyyy-MM-dd</c>.
/// </summary>
public sealed class ArrivalDay
{
    public string Id { get; set; } = "";

    public int DayNumber { get; set; }

    public int Arrivals { get; set; }

    public DateOnly Day => DateOnly.FromDayNumber(DayNumber);

    public static string KeyFor(PartialTaskSubmitted submitted) => CostDays.Key(submitted.SubmittedAt);

    public void Add(PartialTaskSubmitted submitted)
    {
        DayNumber = CostDays.DayOf(submitted.SubmittedAt).DayNumber;
        Arrivals++;
    }
}

/// <summary>
/// Cost history of one negotiation, by UTC day, with its committed allocation's rate and savings.
/// </summary>
public sealed class NegotiationCost
{
    public Guid Id { get; set; }

    public string Task { get; set; } = "";

    public DateTimeOffset? SubmittedAt { get; set; }

    public string? Profile { get; set; }

    /// <summary>Earliest day with a cost, as <see cref="DateOnly.DayNumber"/>; <see cref="int.MaxValue"/> while there is none.</summary>
    public int FirstDayNumber { get; set; } = int.MaxValue;

    /// <summary>Latest day with a cost; <see cref="int.MinValue"/> while there is none.</summary>
    public int LastDayNumber { get; set; } = int.MinValue;

    /// <summary>Totals per day, keyed <c>yyyy-MM-dd</c>.</summary>
    public IDictionary<string, CostTotals> Days { get; set; } = new Dictionary<string, CostTotals>(StringComparer.Ordinal);

    /// <summary>The committed allocation's price and savings; null unless the negotiation committed.</summary>
    public CommittedAllocationPriced? Commitment { get; set; }

    public static NegotiationCost StartFrom(PartialTaskSubmitted submitted) => new()
    {
        Id = submitted.NegotiationId,
        Task = submitted.TaskName,
        SubmittedAt = submitted.SubmittedAt,
    };

    public void Add(ShadowCostRecorded recorded, DateTimeOffset recordedAt)
    {
        Profile = CostCell.ProfileName(recorded.Profile);
        var segments = CostDays.SegmentsOf(recorded, recordedAt);
        foreach (var segment in segments)
        {
            DayOf(CostDays.DayOf(segment.Start)).AddShadowSegment(segment, recorded.Currency);
        }

        DayOf(CostDays.DayOf(segments[0].Start)).AddShadowRun(recorded);
    }

    public void Add(CommittedAllocationPriced priced)
    {
        Profile = priced.Profile.ToString();
        Commitment = priced;
        DayOf(CostDays.DayOf(priced.CommittedAt)).AddCommitment(priced);
    }

    private CostTotals DayOf(DateOnly day)
    {
        var key = CostDays.Key(day);
        if (!Days.TryGetValue(key, out var totals))
        {
            totals = new CostTotals();
            Days[key] = totals;
        }

        FirstDayNumber = Math.Min(FirstDayNumber, day.DayNumber);
        LastDayNumber = Math.Max(LastDayNumber, day.DayNumber);
        return totals;
    }
}
