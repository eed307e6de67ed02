using EventShadow.Contracts;
using EventShadow.Negotiator;
using EventShadow.Negotiator.Allocation;
using EventShadow.Negotiator.Analysis;
using EventShadow.Negotiator.History;
using EventShadow.Negotiator.Manifests;
using EventShadow.Negotiator.Submission;
using Microsoft.Extensions.Options;

namespace EventShadow.UnitTests.Negotiator;

/// <summary>
/// A compose service whose memory limit is above <c>Negotiation:MaxMemoryMiB</c>, from the manifest to
/// the fast path decision. A limit is an upper bound, so the proposal is clamped to the maximum. Only
/// the workload's own trusted history lets that proposal skip its trial, never the stated limit.
/// </summary>
public class ClampedLimitTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly NegotiationOptions Settings = new();

    private static readonly AllocationRecommender Recommender = new(Options.Create(Settings));

    private const string MemLimit = """
        services:
          cache:
            image: redis:7
            mem_limit: 16g
        """;

    private const string DeployLimit = """
        services:
          cache:
            image: redis:7
            deploy:
              resources:
                limits:
                  memory: 16G
        """;

    private static (PartialTask Task, Proposal Proposal) ProposeFrom(string compose)
    {
        var task = Assert.Single(ManifestReader.Read(compose, "compose.yaml"));
        var analysis = RequirementAnalyzer.Analyze(task);
        return (task, Recommender.Propose(analysis.Profile, task.Container, analysis.Hints));
    }

    private static WorkloadUsage TrustedHistory(PartialTask task)
    {
        var usage = new WorkloadUsage { Id = WorkloadKeys.ForContainer(task.Container), Profile = WorkloadProfile.Cache };
        for (var hoursAgo = 3; hoursAgo >= 1; hoursAgo--)
        {
            usage.Add(new UsageSample(new ResourceAllocation(250, 256), Passed: true, Complete: true, 12.5, 0, Now.AddHours(-hoursAgo)));
        }

        return usage;
    }

    [Theory]
    [InlineData(MemLimit)]
    [InlineData(DeployLimit)]
    public void Limit_above_maximum_is_clamped(string compose)
    {
        var (task, proposal) = ProposeFrom(compose);

        Assert.Equal(16384, task.Container.Limits.MemoryMiB);
        Assert.Null(ResourceRangeCheck.Check(task, "compose.yaml", Settings));
        Assert.Equal(8192, proposal.Allocation.MemoryMiB);
        Assert.Contains("memory 16384 MiB from the manifest's limit, clamped to the maximum of 8192 MiB (Negotiation:MaxMemoryMiB)",
            proposal.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Clamped_limit_without_history_runs_trial()
    {
        var (_, proposal) = ProposeFrom(MemLimit);

        var decision = FastPathTrust.Decide(null, proposal.Allocation, Settings.FastPath, Settings.HistoryMargin, Now);

        Assert.False(decision.Trusted);
        Assert.Contains("0 validated runs of this workload", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Clamped_limit_with_trusted_history_commits()
    {
        var (task, proposal) = ProposeFrom(MemLimit);

        var decision = FastPathTrust.Decide(TrustedHistory(task), proposal.Allocation, Settings.FastPath, Settings.HistoryMargin, Now);

        Assert.True(decision.Trusted);
        Assert.StartsWith("Committed from 3 validated runs of this workload, no trial", decision.Reason, StringComparison.Ordinal);
    }
}
