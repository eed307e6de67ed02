using EventShadow.Contracts;
using EventShadow.Negotiator.Allocation;
using EventShadow.Negotiator.History;

namespace EventShadow.UnitTests.Negotiator;

public class UsageEvidenceTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static WorkloadUsage Usage(string id, params UsageSample[] samples)
    {
        var usage = new WorkloadUsage { Id = id, Profile = WorkloadProfile.Batch };
        foreach (var sample in samples)
        {
            usage.Add(sample);
        }

        return usage;
    }

    private static UsageSample Complete(double peak, int limit = 512) => new(new ResourceAllocation(500, limit), true, true, peak, 0, At);

    private static UsageSample Killed(int limit) => new(new ResourceAllocation(500, limit), false, false, limit, 0, At);

    [Fact]
    public void NearestRank_takes_the_95th_percentile()
    {
        var values = Enumerable.Range(1, 100).Select(value => (double)value).ToList();

        Assert.Equal(95, UsageEvidence.NearestRank(values, 0.95));
        Assert.Equal(7, UsageEvidence.NearestRank([7], 0.95));
        Assert.Equal(10, UsageEvidence.NearestRank([3, 10, 5], 0.95));
    }

    [Fact]
    public void From_recommends_peak_plus_margin_rounded_up()
    {
        var evidence = UsageEvidence.From(Usage("workload:a", Complete(307.3)), null, margin: 0.15, minProfileTrials: 3);

        // 307.3 × 1.15 = 353.4, rounded up to a multiple of 8.
        Assert.Equal(360, evidence!.MemoryMiB);
        Assert.Contains("1 earlier trial of this workload", evidence.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void From_never_takes_killed_run_as_peak()
    {
        var evidence = UsageEvidence.From(Usage("workload:a", Killed(256)), null, margin: 0.15, minProfileTrials: 3);

        Assert.Null(evidence!.MemoryMiB);
        Assert.Equal(256, evidence.KilledAtMiB);
    }

    [Fact]
    public void From_stays_above_limit_of_earlier_kill()
    {
        var evidence = UsageEvidence.From(Usage("workload:a", Complete(200), Killed(256)), null, margin: 0.15, minProfileTrials: 3);

        // The complete peak suggests 232 MiB, but the workload was killed at 256 MiB.
        Assert.Equal(296, evidence!.MemoryMiB);
        Assert.Contains("OOM-killed", evidence.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void From_uses_profile_only_with_enough_trials()
    {
        var profile = Usage("profile:Batch", Complete(100), Complete(120));

        Assert.Null(UsageEvidence.From(null, profile, margin: 0.15, minProfileTrials: 3));

        profile.Add(Complete(110));
        var evidence = UsageEvidence.From(null, profile, margin: 0.15, minProfileTrials: 3);
        Assert.Equal(144, evidence!.MemoryMiB);
        Assert.Contains("3 earlier trials of the Batch profile", evidence.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkloadUsage_keeps_latest_samples()
    {
        var usage = new WorkloadUsage();
        for (var index = 0; index < WorkloadUsage.MaxSamples + 5; index++)
        {
            usage.Add(Complete(index));
        }

        Assert.Equal(WorkloadUsage.MaxSamples, usage.Samples.Count);
        Assert.Equal(5, usage.Samples[0].PeakMemoryMiB);
    }
}
