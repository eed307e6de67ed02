using EventShadow.Contracts;
using EventShadow.PoolManager.Pools;

namespace EventShadow.UnitTests.PoolManager;

public class ArrivalLogTests
{
    private static readonly Guid Id = Guid.CreateVersion7();

    private static readonly ContainerSpec Redis =
        new("redis", "redis:7", null, null, new Dictionary<string, string>(), ResourceBounds.None, ResourceBounds.None);

    private static AllocationProposed Proposed(int attempt) =>
        new(Id, attempt, new ResourceAllocation(250, 256), "test", WorkloadProfile.Cache, Redis, false, "default", [], 0);

    [Fact]
    public void First_proposal_is_arrival()
    {
        Assert.Equal(WorkloadProfile.Cache, ArrivalLog.ArrivingProfile(Proposed(attempt: 1)));
    }

    [Fact]
    public void Later_attempt_is_no_arrival()
    {
        Assert.Null(ArrivalLog.ArrivingProfile(Proposed(attempt: 2)));
    }

    [Fact]
    public void Analysis_alone_is_no_arrival()
    {
        // A negotiation committed from trusted history is analysed but never proposes, so it needs no shadow.
        var analyzed = new RequirementsAnalyzed(Id, "Deployment/redis/redis", WorkloadProfile.Cache, Redis, []);

        Assert.Null(ArrivalLog.ArrivingProfile(analyzed));
    }

    [Fact]
    public void Commit_without_trial_is_no_arrival()
    {
        var committed = new AllocationCommitted(Id, 0, new ResourceAllocation(250, 256), DateTimeOffset.UtcNow, "history", "default", 0, WithoutTrial: true);

        Assert.Null(ArrivalLog.ArrivingProfile(committed));
    }
}
