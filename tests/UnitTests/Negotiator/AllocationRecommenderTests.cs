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
        Assert.Contains("clamped", proposal.Rationale, StringComparison.Ordinal);
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
}
