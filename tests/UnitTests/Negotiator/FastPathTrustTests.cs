using EventShadow.Contracts;
using EventShadow.Negotiator;
using EventShadow.Negotiator.Allocation;
using EventShadow.Negotiator.History;

namespace EventShadow.UnitTests.Negotiator;

public class FastPathTrustTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly ResourceAllocation Proposal = new(250, 256);

    private static readonly FastPathOptions Options = new();

    private static WorkloadUsage Usage(params UsageSample[] samples)
    {
        var usage = new WorkloadUsage { Id = "workload:redis:abc", Profile = WorkloadProfile.Cache };
        foreach (var sample in samples)
        {
            usage.Add(sample);
        }

        return usage;
    }

    private static UsageSample Passed(double peak, double hoursAgo = 1, int cpu = 250, int memory = 256) =>
        new(new ResourceAllocation(cpu, memory), Passed: true, Complete: true, peak, 0, Now.AddHours(-hoursAgo));

    private static UsageSample Killed(int memory, double hoursAgo) =>
        new(new ResourceAllocation(250, memory), Passed: false, Complete: false, memory, 0, Now.AddHours(-hoursAgo));

    private static UsageSample NotReady(double hoursAgo) =>
        new(new ResourceAllocation(250, 256), Passed: false, Complete: true, 12, 0, Now.AddHours(-hoursAgo));

    private static FastPathDecision Decide(WorkloadUsage? usage, ResourceAllocation? proposal = null, FastPathOptions? options = null) =>
        FastPathTrust.Decide(usage, proposal ?? Proposal, options ?? Options, historyMargin: 0.15, Now);

    [Fact]
    public void Stable_validated_history_is_trusted()
    {
        var decision = Decide(Usage(Passed(12.1, 3), Passed(12.4, 2), Passed(12.2, 1)));

        Assert.True(decision.Trusted);
        Assert.Equal(3, decision.ValidatedRuns);
        Assert.StartsWith("Committed from 3 validated runs of this workload, no trial", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("changed the memory recommendation by 0 %", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_fast_path_trusts_nothing()
    {
        var decision = Decide(Usage(Passed(12, 3), Passed(12, 2), Passed(12, 1)), options: new FastPathOptions { Enabled = false });

        Assert.False(decision.Trusted);
        Assert.Contains("Negotiation:FastPath:Enabled", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void No_history_is_not_trusted()
    {
        var decision = Decide(null);

        Assert.False(decision.Trusted);
        Assert.Equal(0, decision.ValidatedRuns);
        Assert.Contains("0 validated runs of this workload, 3 needed", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_validated_runs_are_not_trusted()
    {
        var decision = Decide(Usage(Passed(12, 2), Passed(12, 1)));

        Assert.False(decision.Trusted);
        Assert.Equal(2, decision.ValidatedRuns);
        Assert.Contains("2 validated runs of this workload, 3 needed", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Recent_failed_trial_withholds_trust()
    {
        var decision = Decide(Usage(Passed(12, 5), Passed(12, 4), Passed(12, 3), NotReady(2), Passed(12, 1)));

        Assert.False(decision.Trusted);
        Assert.Contains("a trial among the latest 3 of this workload failed", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Recent_oom_kill_withholds_trust()
    {
        // The kill is older than the latest three runs, which all passed, but within the look-back.
        var decision = Decide(Usage(Killed(128, 10), Passed(150, 3), Passed(150, 2), Passed(150, 1)));

        Assert.False(decision.Trusted);
        Assert.Contains("OOM-killed at 128 MiB within the last 24 h", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Old_oom_kill_is_forgiven()
    {
        var decision = Decide(Usage(Killed(128, 30), Passed(150, 3), Passed(150, 2), Passed(150, 1)));

        Assert.True(decision.Trusted);
    }

    [Fact]
    public void Stale_history_is_not_trusted()
    {
        var decision = Decide(Usage(Passed(12, 300), Passed(12, 200), Passed(12, 170)));

        Assert.False(decision.Trusted);
        Assert.Contains("more than 168 h ago", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Moving_recommendation_is_not_trusted()
    {
        // Peaks 100 and 100 recommend 115 MiB; a third run at 160 MiB moves it to 184 MiB.
        var decision = Decide(Usage(Passed(100, 3), Passed(100, 2), Passed(160, 1)), proposal: new ResourceAllocation(250, 256));

        Assert.False(decision.Trusted);
        Assert.Contains("from 115 to 184 MiB (60 %)", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("Negotiation:FastPath:MaxRecommendationChange", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Peak_crossing_a_rounding_step_keeps_trust()
    {
        // 13.9 MiB plus 15 % rounds up to 16 MiB and 14.1 MiB plus 15 % to 24 MiB, a 50 % move of the
        // rounded figure from a peak 0.2 MiB (1.4 %) higher. Trust must follow the peaks, not the rounding.
        var decision = Decide(Usage(Passed(13.8, 4), Passed(13.8, 3), Passed(13.9, 2), Passed(14.1, 1)));

        Assert.True(decision.Trusted, decision.Reason);
        Assert.Contains("changed the memory recommendation by 1 %", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Small_move_reports_unrounded_figures()
    {
        // 10 MiB plus 15 % is 11.5 MiB and 11.6 MiB plus 15 % is 13.3 MiB: both round up to 16 MiB,
        // so the reason must give the figures it compared.
        var decision = Decide(Usage(Passed(10, 4), Passed(10, 3), Passed(10, 2), Passed(11.6, 1)));

        Assert.False(decision.Trusted);
        Assert.Contains("from 11.5 to 13.3 MiB (16 %)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Proposal_below_validated_peak_is_not_trusted()
    {
        var decision = Decide(Usage(Passed(200, 3), Passed(200, 2), Passed(200, 1)), proposal: new ResourceAllocation(250, 128));

        Assert.False(decision.Trusted);
        Assert.Contains("the proposed 128 MiB is below the 200 MiB peak", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Proposal_with_less_cpu_than_runs_is_not_trusted()
    {
        var decision = Decide(Usage(Passed(12, 3, cpu: 500), Passed(12, 2, cpu: 500), Passed(12, 1, cpu: 500)));

        Assert.False(decision.Trusted);
        Assert.Contains("the proposed 250m CPU is less than any of the latest validated runs had (at least 500m)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_reject_single_run_minimum()
    {
        var options = new NegotiationOptions { FastPath = { MinValidatedRuns = 1 } };

        var results = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();

        var result = Assert.Single(results);
        Assert.StartsWith("Negotiation:FastPath:", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("FastPath.MinValidatedRuns", result.MemberNames);
    }
}
