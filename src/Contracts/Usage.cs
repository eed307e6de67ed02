namespace EventShadow.Contracts;

/// <summary>
/// What one shadow trial measured, filed under its workload for later recommendations.
/// </summary>
/// <param name="WorkloadKey">The workload's identity: image repository and arguments, as the Negotiator derives it.</param>
/// <param name="Complete">
/// False when the trial was killed for memory: its peak then only shows the limit it hit, a lower
/// bound of the real need, never a measurement of it.
/// </param>
public sealed record UsageRecorded(
    Guid NegotiationId,
    int Attempt,
    string WorkloadKey,
    WorkloadProfile Profile,
    ResourceAllocation Allocation,
    bool Passed,
    bool Complete,
    double PeakMemoryMiB,
    long ThrottledPeriods,
    long TotalPeriods,
    DateTimeOffset RecordedAt);
