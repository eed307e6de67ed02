using EventShadow.Contracts;

namespace EventShadow.Negotiator.History;

/// <summary>
/// What shadow trials of one workload (or of a whole profile) measured, most recent last.
/// </summary>
/// <remarks>
/// Each workload keeps its <see cref="MaxSamples"/> latest trials, so recommendations follow a
/// workload that changes instead of averaging over its whole past.
/// </remarks>
public sealed class WorkloadUsage
{
    public const int MaxSamples = 100;

    /// <summary>A workload key (<see cref="WorkloadKeys.ForContainer"/>) or a profile key (<see cref="WorkloadKeys.ForProfile"/>).</summary>
    public string Id { get; set; } = "";

    public WorkloadProfile Profile { get; set; }

    public IList<UsageSample> Samples { get; set; } = [];

    public void Add(UsageSample sample)
    {
        Samples.Add(sample);
        while (Samples.Count > MaxSamples)
        {
            Samples.RemoveAt(0);
        }
    }
}

/// <summary>
/// One trial: the allocation it ran with and what it used.
/// </summary>
/// <param name="Complete">False for a trial killed for memory, whose peak is only a lower bound.</param>
/// <param name="ThrottledShare">Share of CPU periods in which the trial was throttled.</param>
public sealed record UsageSample(
    ResourceAllocation Allocation,
    bool Passed,
    bool Complete,
    double PeakMemoryMiB,
    double ThrottledShare,
    DateTimeOffset RecordedAt);
