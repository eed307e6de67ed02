using EventShadow.PoolManager;

namespace EventShadow.UnitTests.PoolManager;

public sealed class MaxShadowsTests
{
    private const long GiB = 1024L * 1024 * 1024;

    [Fact]
    public void Unset_limit_is_derived_by_default()
    {
        Assert.Equal(0, new ShadowOptions().MaxShadows);
        Assert.Equal(0, ShippedSettings.Load().MaxShadows);
    }

    [Fact]
    public void Derived_limit_follows_cpus()
    {
        Assert.Equal(2 * ShadowOptions.ShadowsPerCpu, ShadowOptions.DeriveMaxShadows(2, 24 * GiB));
        Assert.Equal(16 * ShadowOptions.ShadowsPerCpu, ShadowOptions.DeriveMaxShadows(16, 256 * GiB));
    }

    [Fact]
    public void Derived_limit_is_capped_by_memory()
    {
        Assert.Equal(4, ShadowOptions.DeriveMaxShadows(16, 2 * GiB));
    }

    [Fact]
    public void Derived_limit_is_at_least_one()
    {
        Assert.Equal(1, ShadowOptions.DeriveMaxShadows(0, 100 * 1024 * 1024));
        Assert.Equal(ShadowOptions.ShadowsPerCpu, ShadowOptions.DeriveMaxShadows(0, 64 * GiB));
    }
}
