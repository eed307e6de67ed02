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
}
