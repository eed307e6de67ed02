using System.ComponentModel.DataAnnotations;

namespace EventShadow.Negotiator.Allocation;

/// <summary>
/// When a negotiation may commit from usage history without a shadow trial, from the
/// <c>Negotiation:FastPath</c> section.
/// </summary>
public sealed class FastPathOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Commits a trusted workload's negotiation in the transaction that stores its submission, and
    /// returns the allocation in the response. False sends it through the saga first, over the bus.
    /// </summary>
    public bool CommitAtSubmission { get; set; } = true;

    /// <summary>
    /// Passed, complete trials of the workload itself needed before its history is trusted; the latest
    /// this many trials must all have passed.
    /// </summary>
    [Range(2, 100)]
    public int MinValidatedRuns { get; set; } = 3;

    /// <summary>Hours within which any OOM kill of the workload withholds trust.</summary>
    [Range(1, 8760)]
    public int OomLookbackHours { get; set; } = 24;

    /// <summary>Hours after which the latest validated run is too old to commit from.</summary>
    [Range(1, 8760)]
    public int MaxHistoryAgeHours { get; set; } = 168;

    /// <summary>
    /// Largest change of the memory recommendation, as a share, that the latest validated run may
    /// cause; a recommendation that still moves is not stable enough to commit without a trial.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MaxRecommendationChange { get; set; } = 0.10;

    /// <summary>
    /// A trusted workload runs a shadow trial instead of every this many commits from history, so that its
    /// history keeps following the workload's real use; 0 never does. The count is kept per Negotiator
    /// instance.
    /// </summary>
    [Range(0, 1_000_000)]
    public int RefreshEvery { get; set; } = 20;

    /// <summary>
    /// Seconds that must pass after a workload's refresh trial before the next one starts, so that a
    /// workload submitted many times a second does not run a trial for every <see cref="RefreshEvery"/>th.
    /// </summary>
    [Range(0, 86_400)]
    public int RefreshMinIntervalSeconds { get; set; } = 60;

    /// <summary>
    /// Milliseconds for which a first proposal reuses the usage history that another negotiation of the
    /// same workload read, instead of reading it again; 0 reads it for every negotiation. History is an
    /// asynchronous projection, so it already lags the newest trial by the async daemon's delay.
    /// </summary>
    [Range(0, 60_000)]
    public int HistoryCacheMilliseconds { get; set; } = 1000;
}
