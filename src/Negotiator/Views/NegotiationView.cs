using EventShadow.Contracts;

namespace EventShadow.Negotiator.Views;

public enum NegotiationStatus
{
    Submitted,
    Proposed,
    Configuring,
    Validating,
    Committed,
    Failed,
}

/// <summary>
/// Read model of one negotiation, served by <c>GET /negotiation/{id}</c>: what was asked, every
/// attempt with its proposal and validation, and how it ended.
/// </summary>
public sealed class NegotiationView
{
    public Guid Id { get; set; }

    public string Task { get; set; } = "";

    public string Source { get; set; } = "";

    public string Format { get; set; } = "";

    public NegotiationStatus Status { get; set; }

    public WorkloadProfile? Profile { get; set; }

    public string Image { get; set; } = "";

    public IList<ResourceHint> Hints { get; set; } = [];

    public IList<AttemptView> Attempts { get; set; } = [];

    /// <summary>The committed allocation; null until the negotiation commits.</summary>
    public ResourceAllocation? Allocation { get; set; }

    /// <summary>Why the committed allocation differs from the last one tried, or why none was tried; null when it is the one tried.</summary>
    public string? CommitRationale { get; set; }

    /// <summary>True when the allocation was committed from the workload's usage history, with no shadow trial.</summary>
    public bool CommittedWithoutTrial { get; set; }

    /// <summary>Resource pool holding the negotiation's capacity.</summary>
    public string? Pool { get; set; }

    /// <summary>When the committed allocation was released back to its pool; null while it holds.</summary>
    public DateTimeOffset? ReleasedAt { get; set; }

    public string? FailureReason { get; set; }

    public CostView Cost { get; set; } = new();

    public DateTimeOffset SubmittedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// True once the cost, its currency and the savings are final. An ended negotiation settles when every
    /// shadow it used is released and priced and, if it committed, when the CostLedger has priced the
    /// commitment. A commitment in a pool the price list lacks is never priced, so it never settles.
    /// </summary>
    public bool Settled =>
        Status switch
        {
            NegotiationStatus.Committed => Cost.CommittedPerHour is not null && AllShadowsPriced,
            NegotiationStatus.Failed => AllShadowsPriced,
            _ => false,
        };

    private bool AllShadowsPriced => Attempts.All(attempt => attempt.ShadowId is null || attempt.Cost is not null);

    public AttemptView? FindAttempt(int attempt) => Attempts.FirstOrDefault(a => a.Attempt == attempt);
}

/// <summary>
/// One shadow trial: the proposal, the shadow it ran in and what validation measured.
/// </summary>
public sealed class AttemptView
{
    public int Attempt { get; set; }

    public ResourceAllocation Allocation { get; set; } = new(0, 0);

    public string Rationale { get; set; } = "";

    public string? Pool { get; set; }

    /// <summary>Other allocations that could have been proposed, best first.</summary>
    public IList<AllocationAlternative> Alternatives { get; set; } = [];

    public string? ShadowId { get; set; }

    /// <summary>True when the shadow was created on demand rather than taken warm from a pool.</summary>
    public bool? ColdStart { get; set; }

    /// <summary>Why no shadow could be configured, when none could.</summary>
    public string? ShadowUnavailableReason { get; set; }

    public ValidationView? Validation { get; set; }

    /// <summary>What this attempt's shadow cost; null until it has been released and priced.</summary>
    public decimal? Cost { get; set; }
}

/// <summary>
/// Verdict and measurements of one validation run: the suite, the smoke load and memory headroom
/// too, when the run had them.
/// </summary>
public sealed record ValidationView(
    bool Passed,
    ValidationFailure? Failure,
    IReadOnlyList<string> Reasons,
    double PeakMemoryMiB,
    bool OomKilled,
    int OomKillCount,
    int? ExitCode,
    double? TimeToReadySeconds,
    long ThrottledPeriods,
    long TotalPeriods,
    double WatchedSeconds,
    string? Suite = null,
    SmokeLoadMeasurements? SmokeLoad = null,
    double? MemoryHeadroomPercent = null)
{
    public static ValidationView From(ValidationMeasurements measurements, ValidationFailure? failure, IReadOnlyList<string> reasons) =>
        new(failure is null, failure, reasons, measurements.PeakMemoryMiB, measurements.OomKilled, measurements.OomKillCount,
            measurements.ExitCode, measurements.TimeToReadySeconds, measurements.ThrottledPeriods, measurements.TotalPeriods,
            measurements.WatchedSeconds, measurements.Suite, measurements.SmokeLoad, measurements.MemoryHeadroomPercent);
}

/// <summary>
/// What the negotiation's shadows cost so far.
/// </summary>
public sealed class CostView
{
    public decimal Amount { get; set; }

    /// <summary>
    /// Currency of <see cref="Amount"/> and the rates. Empty until the CostLedger prices a shadow or the
    /// commitment, which a negotiation that failed before its first shadow never gets.
    /// </summary>
    public string Currency { get; set; } = "";

    public double ShadowSeconds { get; set; }

    /// <summary>What the committed allocation costs per hour it runs; null until it is priced.</summary>
    public decimal? CommittedPerHour { get; set; }

    /// <summary>What the committed allocation saves or costs extra against the request; null until it is priced.</summary>
    public AllocationSavings? Savings { get; set; }
}
