using EventShadow.Contracts;
using EventShadow.CostLedger;

namespace EventShadow.UnitTests.CostLedger;

public class ShadowPricingTests
{
    private static readonly DateTimeOffset Claimed = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static ShadowReleased Released(TimeSpan lifetime, int cpuMillicores, int memoryMiB) =>
        new(Guid.NewGuid(), 1, "shadow", new ResourceAllocation(cpuMillicores, memoryMiB), Claimed, Claimed + lifetime);

    [Fact]
    public void Price_one_hour_of_one_core_and_one_gib()
    {
        var price = new PoolPrice { VcpuHour = 0.04m, GibHour = 0.005m };

        var (seconds, cost) = ShadowPricing.Price(Released(TimeSpan.FromHours(1), 1000, 1024), price);

        Assert.Equal(3600, seconds);
        Assert.Equal(0.045m, cost);
    }

    [Fact]
    public void Price_scales_with_seconds_and_allocation()
    {
        // 90 s at 250m and 256 MiB: 0.025 h × (0.25 × 0.04 + 0.25 × 0.005) = 0.025 × 0.01125 = 0.00028125
        var price = new PoolPrice { VcpuHour = 0.04m, GibHour = 0.005m };

        var (seconds, cost) = ShadowPricing.Price(Released(TimeSpan.FromSeconds(90), 250, 256), price);

        Assert.Equal(90, seconds);
        Assert.Equal(0.000281m, cost);
    }

    [Fact]
    public void Price_of_release_before_claim_is_zero()
    {
        var price = new PoolPrice { VcpuHour = 0.04m, GibHour = 0.005m };

        var (seconds, cost) = ShadowPricing.Price(Released(TimeSpan.FromSeconds(-5), 1000, 1024), price);

        Assert.Equal(0, seconds);
        Assert.Equal(0m, cost);
    }
}
