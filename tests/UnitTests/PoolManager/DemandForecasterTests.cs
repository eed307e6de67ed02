using EventShadow.PoolManager.Sizing;

namespace EventShadow.UnitTests.PoolManager;

public sealed class DemandForecasterTests
{
    private static readonly ForecastSettings Settings = new(ColdStartCostMinutes: 20, NewDemandKeepAliveMinutes: 10);

    [Fact]
    public void Empty_history_keeps_nothing_warm()
    {
        var forecaster = new DemandForecaster(Settings);

        Assert.Equal(0, forecaster.WarmTarget(100));
    }

    [Fact]
    public void First_use_keeps_instance_warm_for_keep_alive()
    {
        var forecaster = new DemandForecaster(Settings);
        forecaster.Record(100, 1);

        Assert.Equal(0, forecaster.WarmTarget(100));
        Assert.Equal(1, forecaster.WarmTarget(101));
        Assert.Equal(1, forecaster.WarmTarget(110));
        Assert.Equal(0, forecaster.WarmTarget(111));
    }

    [Fact]
    public void Regular_gaps_warm_only_around_expected_use()
    {
        var forecaster = new DemandForecaster(Settings);
        for (var minute = 0; minute <= 30 * 40; minute += 30)
        {
            forecaster.Record(minute, 1);
        }

        var last = 30 * 40;
        Assert.Equal(0, forecaster.WarmTarget(last + 5));
        Assert.Equal(0, forecaster.WarmTarget(last + 29));
        Assert.Equal(1, forecaster.WarmTarget(last + 30));
        Assert.Equal(0, forecaster.WarmTarget(last + 31));
    }

    [Fact]
    public void Concurrent_demand_keeps_one_instance_per_rank()
    {
        var forecaster = new DemandForecaster(Settings);
        for (var minute = 0; minute < 60; minute++)
        {
            forecaster.Record(minute, minute % 2 == 0 ? 3 : 1);
        }

        var chances = forecaster.WarmChances(60);

        Assert.Equal(3, chances.Count);
        Assert.True(chances[0] > 0.9, $"rank 1 is used every minute, chance {chances[0]}");
        Assert.True(chances[2] < chances[0], "ranks 2 and 3 are used every other minute");
        Assert.Equal(chances.OrderByDescending(chance => chance), chances);
    }

    [Fact]
    public void Higher_cold_start_cost_warms_longer()
    {
        var cheap = new DemandForecaster(Settings with { ColdStartCostMinutes = 2 });
        var costly = new DemandForecaster(Settings with { ColdStartCostMinutes = 1000 });
        foreach (var forecaster in (DemandForecaster[])[cheap, costly])
        {
            foreach (var minute in (int[])[0, 3, 40, 44, 90, 91])
            {
                forecaster.Record(minute, 1);
            }
        }

        var cheapMinutes = Enumerable.Range(92, 60).Count(minute => cheap.WarmTarget(minute) > 0);
        var costlyMinutes = Enumerable.Range(92, 60).Count(minute => costly.WarmTarget(minute) > 0);

        Assert.True(costlyMinutes > cheapMinutes, $"cost 1000 kept {costlyMinutes} minutes, cost 2 kept {cheapMinutes}");
    }

    [Fact]
    public void Gaps_beyond_range_end_warmth()
    {
        var forecaster = new DemandForecaster(Settings with { MaxGapMinutes = 60 });
        forecaster.Record(0, 1);
        forecaster.Record(500, 1);

        Assert.Equal(0, forecaster.WarmTarget(600));
        Assert.Equal(1, forecaster.WarmTarget(501));
    }

    [Fact]
    public void Record_rejects_minutes_out_of_order()
    {
        var forecaster = new DemandForecaster(Settings);
        forecaster.Record(10, 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => forecaster.Record(10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => forecaster.Record(9, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => forecaster.Record(11, -1));
    }
}
