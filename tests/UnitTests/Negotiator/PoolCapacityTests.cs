using EventShadow.Contracts;
using EventShadow.Negotiator.Pools;

namespace EventShadow.UnitTests.Negotiator;

public class PoolCapacityTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void InUse_counts_live_and_committed_leases()
    {
        var capacity = new PoolCapacity();
        var live = Guid.NewGuid();
        var committed = Guid.NewGuid();
        capacity.Apply(new CapacityLeased("default", live, 1, new ResourceAllocation(250, 256), 0, Now.AddMinutes(5)));
        capacity.Apply(new CapacityLeased("default", committed, 1, new ResourceAllocation(500, 512), 1, Now.AddMinutes(-5)));
        capacity.Apply(new LeaseCommitted("default", committed, 1));

        var usage = capacity.InUse(Now);

        Assert.Equal(new PoolUsage(750, 768, 1), usage);
    }

    [Fact]
    public void InUse_skips_expired_leases()
    {
        var capacity = new PoolCapacity();
        capacity.Apply(new CapacityLeased("default", Guid.NewGuid(), 1, new ResourceAllocation(250, 256), 0, Now.AddSeconds(-1)));

        Assert.Equal(PoolUsage.Zero, capacity.InUse(Now));
    }

    [Fact]
    public void InUse_leaves_out_requesting_negotiation()
    {
        var capacity = new PoolCapacity();
        var negotiation = Guid.NewGuid();
        capacity.Apply(new CapacityLeased("default", negotiation, 1, new ResourceAllocation(250, 256), 0, Now.AddMinutes(5)));

        Assert.Equal(PoolUsage.Zero, capacity.InUse(Now, except: negotiation));
    }

    [Fact]
    public void New_lease_replaces_older_lease_of_negotiation()
    {
        var capacity = new PoolCapacity();
        var negotiation = Guid.NewGuid();
        capacity.Apply(new CapacityLeased("default", negotiation, 1, new ResourceAllocation(250, 256), 0, Now.AddMinutes(5)));
        capacity.Apply(new CapacityLeased("default", negotiation, 2, new ResourceAllocation(250, 512), 0, Now.AddMinutes(5)));

        Assert.Equal(new PoolUsage(250, 512, 0), capacity.InUse(Now));
        Assert.Equal(2, capacity.Leases[negotiation].Attempt);
    }

    [Fact]
    public void Release_returns_capacity()
    {
        var capacity = new PoolCapacity();
        var negotiation = Guid.NewGuid();
        capacity.Apply(new CapacityLeased("default", negotiation, 1, new ResourceAllocation(250, 256), 0, Now.AddMinutes(5)));
        capacity.Apply(new LeaseCommitted("default", negotiation, 1));
        capacity.Apply(new LeaseReleased("default", negotiation, "task finished"));

        Assert.Equal(PoolUsage.Zero, capacity.InUse(Now));
        Assert.Empty(capacity.Leases);
    }

    [Fact]
    public void Covers_needs_every_dimension()
    {
        var free = new PoolUsage(1000, 1024, 0);

        Assert.True(free.Covers(new PoolUsage(1000, 1024, 0)));
        Assert.False(free.Covers(new PoolUsage(1001, 512, 0)));
        Assert.False(free.Covers(new PoolUsage(500, 1025, 0)));
        Assert.False(free.Covers(new PoolUsage(500, 512, 1)));
    }

    [Fact]
    public void AtLeastZero_raises_only_negative_parts()
    {
        var overcommitted = new PoolUsage(1000, 200, 0) - new PoolUsage(250, 256, 0);

        Assert.Equal(new PoolUsage(750, -56, 0), overcommitted);
        Assert.Equal(new PoolUsage(750, 0, 0), overcommitted.AtLeastZero());
    }

    [Fact]
    public void Rejection_says_when_no_pool_is_large_enough()
    {
        var pool = new ResourcePoolSettings { Name = "default", CpuMillicores = 1000, MemoryMiB = 300 };

        var reason = ResourcePoolLedger.DescribeRejection(new PoolUsage(250, 512, 0), [(pool, PoolUsage.Of(pool))]);

        Assert.StartsWith("No resource pool has room for 250m CPU, 512 MiB: default has 1000m CPU, 300 MiB free of 1000m CPU, 300 MiB.", reason, StringComparison.Ordinal);
        Assert.Contains("No pool is that large even when empty", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("until capacity is released", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejection_of_full_pool_waits_for_releases()
    {
        var pool = new ResourcePoolSettings { Name = "default", CpuMillicores = 1000, MemoryMiB = 300 };

        var reason = ResourcePoolLedger.DescribeRejection(new PoolUsage(250, 256, 0), [(pool, new PoolUsage(1000, -56, 0))]);

        Assert.Contains("default has 1000m CPU, 0 MiB free of 1000m CPU, 300 MiB.", reason, StringComparison.Ordinal);
        Assert.EndsWith("Nothing fits until capacity is released or leases expire.", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void StreamId_is_stable_per_pool()
    {
        Assert.Equal(ResourcePoolLedger.StreamId("default"), ResourcePoolLedger.StreamId("default"));
        Assert.NotEqual(ResourcePoolLedger.StreamId("default"), ResourcePoolLedger.StreamId("gpu"));
    }
}
