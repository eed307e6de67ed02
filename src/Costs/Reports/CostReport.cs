namespace EventShadow.Costs.Reports;

// The cost report as GET /costs and POST /costs/replay return it, and as the command line reads it.
// Money is in the report's currency; "per hour" amounts are rates of committed allocations, which run
// outside EventShadow for as long as the scheduler keeps them.

/// <summary>
/// Cost history over a period, grouped one way, with a row per UTC day for charts and a total.
/// </summary>
/// <param name="Source"><c>live</c> for the projections, <c>replay</c> for a replay with a given price list.</param>
/// <param name="TotalRows">Rows in the grouping before paging; only negotiations are paged.</param>
/// <param name="Daily">One row per day with costs or arrivals, oldest first, whatever the grouping.</param>
public sealed record CostReport(
    string GroupBy,
    DateOnly? From,
    DateOnly? To,
    string Currency,
    string Source,
    IReadOnlyList<CostRow> Rows,
    int TotalRows,
    CostRow Total,
    IReadOnlyList<CostRow> Daily,
    ReplayStatistics? Replay = null);

/// <summary>
/// Costs, rates and savings of one group.
/// </summary>
/// <param name="Key">The day (<c>yyyy-MM-dd</c>), pool, profile or negotiation id; <c>total</c> for the total.</param>
/// <param name="Task">The task's name, for a negotiation.</param>
/// <param name="Arrivals">Tasks submitted, for days and the total; null where tasks have no pool or profile yet.</param>
/// <param name="Cost">Money spent: shadow runs plus idle shadows.</param>
public sealed record CostRow(
    string Key,
    string? Task,
    int? Arrivals,
    decimal Cost,
    ShadowRunCost Shadows,
    IdleShadowCost IdleShadows,
    CommittedRate Committed,
    SavingsRate Savings,
    ColdStartSavings ColdStarts,
    IReadOnlyList<string> PriceVersions);

/// <summary>Shadows that ran validations: what they cost, how long they ran, how many were released.</summary>
public sealed record ShadowRunCost(decimal Cost, double Seconds, int Runs);

/// <summary>Warm shadows standing paused: what their memory cost, for how long, in how many idle periods.</summary>
public sealed record IdleShadowCost(decimal Cost, double Seconds, int Periods);

/// <summary>Allocations committed in the period and what they cost per hour and per month (730 hours) they run.</summary>
public sealed record CommittedRate(int Allocations, decimal PerHour, decimal PerMonth);

/// <summary>
/// What the committed allocations save against their requests, and cost beyond them, per hour and per
/// month (730 hours) they run. Every figure is zero or more.
/// </summary>
/// <param name="SavedVcpu">vCPU-hours saved per hour.</param>
/// <param name="SavedGib">GiB-hours saved per hour.</param>
/// <param name="ExtraVcpu">vCPU-hours per hour committed beyond the requests.</param>
/// <param name="ExtraGib">GiB-hours per hour committed beyond the requests.</param>
/// <param name="Explanation">For a negotiation, how its savings or extra cost came about.</param>
public sealed record SavingsRate(
    decimal SavedPerHour,
    decimal SavedPerMonth,
    double SavedVcpu,
    double SavedGib,
    decimal ExtraPerHour,
    decimal ExtraPerMonth,
    double ExtraVcpu,
    double ExtraGib,
    string? Explanation = null);

/// <summary>
/// Start-up time that warm shadows saved: for each warm claim with a measured time to ready, the mean
/// time to ready of cold starts of the same profile in the period minus its own, when positive.
/// </summary>
/// <param name="Reason">Why nothing was saved, when nothing was.</param>
public sealed record ColdStartSavings(
    int ColdStarts,
    int WarmStarts,
    double? MeanColdReadySeconds,
    double? MeanWarmReadySeconds,
    double ReadySecondsSaved,
    string? Reason);

/// <summary>How a replay went: events read and the rate it read them at.</summary>
/// <param name="LastSequence">Highest event sequence when the replay started; later events are not part of it.</param>
public sealed record ReplayStatistics(long Events, long LastSequence, double Seconds, double EventsPerSecond, IReadOnlyList<string> PriceVersions);

/// <summary>
/// One line of the <c>POST /costs/replay</c> response (newline-delimited JSON): progress, then either
/// the report or an error.
/// </summary>
/// <param name="Type"><c>progress</c>, <c>report</c> or <c>error</c>.</param>
public sealed record ReplayLine(string Type, ReplayProgress? Progress = null, CostReport? Report = null, string? Error = null);

/// <summary>Progress of a replay: events read so far, the highest sequence reached and the read rate.</summary>
public sealed record ReplayProgress(long Events, long Sequence, long LastSequence, double Seconds, double EventsPerSecond)
{
    /// <summary>Share of the sequence range read, from 0 to 1.</summary>
    public double Fraction => LastSequence <= 0 ? 1 : Math.Clamp((double)Sequence / LastSequence, 0, 1);
}
