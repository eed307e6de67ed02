using EventShadow.Contracts;
using Marten.Events.Projections;

namespace EventShadow.Negotiator.History;

/// <summary>
/// Files every recorded trial under its workload and under its profile.
/// </summary>
public sealed partial class WorkloadUsageProjection : MultiStreamProjection<WorkloadUsage, string>
{
    public WorkloadUsageProjection()
    {
        Identities<UsageRecorded>(usage => [usage.WorkloadKey, WorkloadKeys.ForProfile(usage.Profile)]);
    }

    public static void Apply(UsageRecorded usage, WorkloadUsage history)
    {
        history.Profile = usage.Profile;
        var throttledShare = usage.TotalPeriods > 0 ? (double)usage.ThrottledPeriods / usage.TotalPeriods : 0;
        history.Add(new UsageSample(usage.Allocation, usage.Passed, usage.Complete, usage.PeakMemoryMiB, throttledShare, usage.RecordedAt));
    }
}
