using EventShadow.PoolManager.Sizing;

namespace EventShadow.UnitTests.PoolManager;

public sealed class WarmBudgetTests
{
    [Fact]
    public void No_limits_give_each_pool_its_forecast()
    {
        var sizes = WarmBudget.Allocate([Demand("a", 64, 0, 10, 0.9, 0.5), Demand("b", 64, 0, 10, 0.2)], 0, 0);

        Assert.Equal(2, sizes["a"]);
        Assert.Equal(1, sizes["b"]);
    }

    [Fact]
    public void Floors_come_before_forecasts()
    {
        var sizes = WarmBudget.Allocate([Demand("a", 64, 0, 10, 0.9, 0.9, 0.9), Demand("b", 64, 2, 10)], 3, 0);

        Assert.Equal(1, sizes["a"]);
        Assert.Equal(2, sizes["b"]);
    }

    [Fact]
    public void Instance_limit_keeps_highest_chances()
    {
        var sizes = WarmBudget.Allocate([Demand("a", 64, 0, 10, 0.9, 0.1), Demand("b", 64, 0, 10, 0.5, 0.4)], 3, 0);

        Assert.Equal(1, sizes["a"]);
        Assert.Equal(2, sizes["b"]);
    }

    [Fact]
    public void Memory_limit_prefers_chance_per_memory()
    {
        var sizes = WarmBudget.Allocate([Demand("big", 1024, 0, 10, 0.8), Demand("small", 128, 0, 10, 0.5, 0.5)], 0, 1024);

        Assert.Equal(0, sizes["big"]);
        Assert.Equal(2, sizes["small"]);
    }

    [Fact]
    public void Ceiling_caps_forecast_and_floor()
    {
        var sizes = WarmBudget.Allocate([Demand("a", 64, 5, 2, 0.9, 0.9, 0.9)], 0, 0);

        Assert.Equal(2, sizes["a"]);
    }

    private static WarmDemand<string> Demand(string key, int memoryMiB, int floor, int ceiling, params double[] chances) =>
        new(key, memoryMiB, floor, ceiling, chances);
}
