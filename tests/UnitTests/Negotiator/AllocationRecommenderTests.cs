using EventShadow.Contracts;
using EventShadow.Negotiator;
using EventShadow.Negotiator.Allocation;
using Microsoft.Extensions.Options;

namespace EventShadow.UnitTests.Negotiator;

public class AllocationRecommenderTests
{
    private static readonly AllocationRecommender Recommender = new(Options.Create(new NegotiationOptions()));

    private static ContainerSpec Container(ResourceBounds? requests = null, ResourceBounds? limits = null) =>
        new("app", "redis:7", null, null, new Dictionary<string, string>(), requests ?? ResourceBounds.None, limits ?? ResourceBounds.None);

    private static ValidationMeasurements Measured(bool oomKilled = false, long throttled = 0, long periods = 0) =>
        new(true, !oomKilled, oomKilled, oomKilled ? 3 : 0, 100, null, null, throttled, periods, 5);

    private static ValidationFailed Failure(ValidationFailure kind, ValidationMeasurements measurements, int attempt = 1) =>
        new(Guid.NewGuid(), attempt, "shadow", kind, ["reason"], measurements);

    [Fact]
    public void Propose_uses_profile_default_without_resources()
    {
        var proposal = Recommender.Propose(WorkloadProfile.Cache, Container());

        Assert.Equal(new ResourceAllocation(250, 256), proposal.Allocation);
        Assert.Contains("profile default", proposal.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_takes_manifest_limits()
    {
        var proposal = Recommender.Propose(WorkloadProfile.Cache, Container(limits: new ResourceBounds(200, 128)));

        Assert.Equal(new ResourceAllocation(200, 128), proposal.Allocation);
        Assert.Contains("manifest's limit", proposal.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_takes_request_above_default()
    {
        var proposal = Recommender.Propose(WorkloadProfile.WebServer, Container(requests: new ResourceBounds(100, 300)));

        Assert.Equal(300, proposal.Allocation.MemoryMiB);
        Assert.Equal(250, proposal.Allocation.CpuMillicores);
    }

    [Fact]
    public void Propose_clamps_to_configured_maximum()
    {
        var proposal = Recommender.Propose(WorkloadProfile.Generic, Container(limits: new ResourceBounds(100_000, 100_000)));

        Assert.Equal(new ResourceAllocation(4000, 8192), proposal.Allocation);
        Assert.Contains("clamped to the maximum of 8192 MiB (Negotiation:MaxMemoryMiB)", proposal.Rationale, StringComparison.Ordinal);
        Assert.Contains("clamped to the maximum of 4000m (Negotiation:MaxCpuMillicores)", proposal.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_clamps_to_configured_minimum()
    {
        // Submission rejects limits below the minimum (ResourceRangeCheck), but the recommender still clamps what reaches it.
        var proposal = Recommender.Propose(WorkloadProfile.Generic, Container(limits: new ResourceBounds(10, 16)));

        Assert.Equal(new ResourceAllocation(50, 32), proposal.Allocation);
        Assert.Contains("clamped to the minimum of 32 MiB (Negotiation:MinMemoryMiB)", proposal.Rationale, StringComparison.Ordinal);
        Assert.Contains("clamped to the minimum of 50m (Negotiation:MinCpuMillicores)", proposal.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Renegotiate_after_oom_doubles_memory()
    {
        var decision = Recommender.Renegotiate(1, new ResourceAllocation(500, 256), Failure(ValidationFailure.OutOfMemory, Measured(oomKilled: true)));

        Assert.NotNull(decision.Next);
        Assert.Equal(new ResourceAllocation(500, 512), decision.Next.Allocation);
    }

    [Fact]
    public void Renegotiate_after_oom_at_maximum_gives_up()
    {
        var decision = Recommender.Renegotiate(1, new ResourceAllocation(500, 8192), Failure(ValidationFailure.OutOfMemory, Measured(oomKilled: true)));

        Assert.Null(decision.Next);
        Assert.Contains("MaxMemoryMiB", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Renegotiate_caps_memory_at_maximum()
    {
        var decision = Recommender.Renegotiate(1, new ResourceAllocation(500, 6000), Failure(ValidationFailure.OutOfMemory, Measured(oomKilled: true)));

        Assert.Equal(8192, decision.Next!.Allocation.MemoryMiB);
    }

    [Fact]
    public void Renegotiate_throttled_not_ready_raises_cpu()
    {
        var decision = Recommender.Renegotiate(1, new ResourceAllocation(250, 256), Failure(ValidationFailure.NotReady, Measured(throttled: 80, periods: 100)));

        Assert.Equal(new ResourceAllocation(500, 256), decision.Next!.Allocation);
    }

    [Fact]
    public void Renegotiate_unthrottled_not_ready_gives_up()
    {
        var decision = Recommender.Renegotiate(1, new ResourceAllocation(250, 256), Failure(ValidationFailure.NotReady, Measured(throttled: 1, periods: 100)));

        Assert.Null(decision.Next);
        Assert.Contains("reason", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Renegotiate_exit_gives_up()
    {
        var decision = Recommender.Renegotiate(1, new ResourceAllocation(250, 256), Failure(ValidationFailure.Exited, Measured()));

        Assert.Null(decision.Next);
    }

    [Fact]
    public void Renegotiate_at_attempt_limit_gives_up()
    {
        var decision = Recommender.Renegotiate(4, new ResourceAllocation(250, 256), Failure(ValidationFailure.OutOfMemory, Measured(oomKilled: true), attempt: 4));

        Assert.Null(decision.Next);
        Assert.Contains("no attempts are left", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_takes_memory_from_history()
    {
        var history = new UsageEvidence(360, null, "1 earlier trial of this workload: 95th percentile peak 307 MiB plus a 15% margin");

        var proposal = Recommender.Propose(WorkloadProfile.Batch, Container(), [], history);

        Assert.Equal(360, proposal.Allocation.MemoryMiB);
        Assert.Contains("earlier trial of this workload", proposal.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_keeps_manifest_request_above_history()
    {
        var history = new UsageEvidence(128, null, "history");

        var proposal = Recommender.Propose(WorkloadProfile.Batch, Container(requests: new ResourceBounds(null, 400)), [], history);

        Assert.Equal(400, proposal.Allocation.MemoryMiB);
    }

    [Fact]
    public void Propose_keeps_manifest_limit_over_history()
    {
        var history = new UsageEvidence(900, null, "history");

        var proposal = Recommender.Propose(WorkloadProfile.Batch, Container(limits: new ResourceBounds(null, 512)), [], history);

        Assert.Equal(512, proposal.Allocation.MemoryMiB);
    }

    [Fact]
    public void Renegotiate_after_oom_follows_larger_history()
    {
        var history = new UsageEvidence(700, 256, "1 earlier trial of this workload");

        var decision = Recommender.Renegotiate(1, new ResourceAllocation(500, 256), Failure(ValidationFailure.OutOfMemory, Measured(oomKilled: true)), Container(), history);

        Assert.Equal(700, decision.Next!.Allocation.MemoryMiB);
    }

    [Fact]
    public void Renegotiate_at_manifest_memory_limit_gives_up()
    {
        var decision = Recommender.Renegotiate(
            1, new ResourceAllocation(500, 128), Failure(ValidationFailure.OutOfMemory, Measured(oomKilled: true)), Container(limits: new ResourceBounds(null, 128)));

        Assert.Null(decision.Next);
        Assert.Contains("raise that limit", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Renegotiate_caps_growth_at_manifest_limit()
    {
        var decision = Recommender.Renegotiate(
            1, new ResourceAllocation(500, 256), Failure(ValidationFailure.OutOfMemory, Measured(oomKilled: true)), Container(limits: new ResourceBounds(null, 300)));

        Assert.Equal(300, decision.Next!.Allocation.MemoryMiB);
    }

    [Fact]
    public void Commit_tightens_batch_memory_to_peak_and_margin()
    {
        var measurements = Measured() with { PeakMemoryMiB = 307.3 };

        var commit = Recommender.Commit(new ResourceAllocation(500, 512), measurements, WorkloadProfile.Batch);

        Assert.Equal(new ResourceAllocation(500, 360), commit.Allocation);
        Assert.Contains("peak of 307.3 MiB", commit.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Commit_keeps_tried_allocation_when_peak_still_grew()
    {
        var measurements = Measured() with { PeakMemoryMiB = 155.1, PeakSettled = false };

        var commit = Recommender.Commit(new ResourceAllocation(500, 496), measurements, WorkloadProfile.Batch);

        Assert.Equal(new ResourceAllocation(500, 496), commit.Allocation);
        Assert.Contains("still growing", commit.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Commit_never_goes_below_own_history()
    {
        var measurements = Measured() with { PeakMemoryMiB = 155.1, PeakSettled = true };
        var history = new UsageEvidence(496, null, "2 earlier trials of this workload", OwnTrials: true);

        var commit = Recommender.Commit(new ResourceAllocation(500, 720), measurements, WorkloadProfile.Batch, null, history);

        Assert.Equal(496, commit.Allocation.MemoryMiB);
        Assert.Contains("2 earlier trials of this workload", commit.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Commit_ignores_profile_history_floor()
    {
        var measurements = Measured() with { PeakMemoryMiB = 50, PeakSettled = true };
        var history = new UsageEvidence(720, null, "5 earlier trials of the Batch profile");

        var commit = Recommender.Commit(new ResourceAllocation(500, 720), measurements, WorkloadProfile.Batch, null, history);

        Assert.Equal(64, commit.Allocation.MemoryMiB);
    }

    [Fact]
    public void Commit_keeps_tried_allocation_for_servers()
    {
        var measurements = Measured() with { PeakMemoryMiB = 6 };

        var commit = Recommender.Commit(new ResourceAllocation(250, 256), measurements, WorkloadProfile.Cache);

        Assert.Equal(new ResourceAllocation(250, 256), commit.Allocation);
    }

    [Fact]
    public void Commit_never_goes_below_manifest_request()
    {
        var measurements = Measured() with { PeakMemoryMiB = 50 };

        var commit = Recommender.Commit(new ResourceAllocation(500, 512), measurements, WorkloadProfile.Batch, Container(requests: new ResourceBounds(null, 300)));

        Assert.Equal(300, commit.Allocation.MemoryMiB);
    }

    [Fact]
    public void Propose_keeps_server_default_above_smaller_history()
    {
        var history = new UsageEvidence(32, null, "1 earlier trial of this workload");

        var proposal = Recommender.Propose(WorkloadProfile.Cache, Container(), [], history);

        Assert.Equal(256, proposal.Allocation.MemoryMiB);
        Assert.Contains("history suggests 32 MiB", proposal.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_lets_server_history_raise_memory()
    {
        var history = new UsageEvidence(600, 512, "1 earlier trial of this workload");

        var proposal = Recommender.Propose(WorkloadProfile.Cache, Container(), [], history);

        Assert.Equal(600, proposal.Allocation.MemoryMiB);
    }

    [Fact]
    public void Renegotiate_throttled_smoke_load_failure_raises_cpu()
    {
        var decision = Recommender.Renegotiate(1, new ResourceAllocation(250, 256), Failure(ValidationFailure.SmokeLoadFailed, Measured(throttled: 70, periods: 100)));

        Assert.Equal(new ResourceAllocation(500, 256), decision.Next!.Allocation);
    }
}
