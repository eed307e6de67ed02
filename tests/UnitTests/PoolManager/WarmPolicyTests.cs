using EventShadow.PoolReplay;

namespace EventShadow.UnitTests.PoolManager;

public sealed class WarmPolicyTests
{
    [Fact]
    public void Fixed_keep_alive_holds_each_instance_for_window()
    {
        var policy = new FixedKeepAlivePolicy(10);
        policy.Record(0, 2);
        policy.Record(5, 1);

        Assert.Equal(2, policy.WarmChances(10).Count);
        Assert.Single(policy.WarmChances(11));
        Assert.Single(policy.WarmChances(15));
        Assert.Empty(policy.WarmChances(16));
    }

    [Fact]
    public void Hybrid_without_history_keeps_alive_for_range()
    {
        var policy = new HybridHistogramPolicy(new HybridHistogramSettings());
        policy.Record(0, 1);

        Assert.Equal((0.0, 240.0), policy.Window);
        Assert.Single(policy.WarmChances(240));
        Assert.Empty(policy.WarmChances(241));
    }

    [Fact]
    public void Hybrid_with_regular_idle_times_prewarms_around_them()
    {
        var policy = new HybridHistogramPolicy(new HybridHistogramSettings());
        for (var minute = 0; minute <= 60 * 20; minute += 60)
        {
            policy.Record(minute, 1);
        }

        // Every idle time is 60 minutes: pre-warm at 60 less 10%, keep until 60 plus 10%.
        Assert.Equal((54.0, 66.0), policy.Window);
        Assert.Empty(policy.WarmChances(1200 + 53));
        Assert.Single(policy.WarmChances(1200 + 54));
        Assert.Single(policy.WarmChances(1200 + 66));
        Assert.Empty(policy.WarmChances(1200 + 67));
    }

    [Fact]
    public void Hybrid_with_scattered_idle_times_falls_back_to_range()
    {
        var policy = new HybridHistogramPolicy(new HybridHistogramSettings());
        var minute = 0;
        policy.Record(minute, 1);
        for (var idle = 1; idle <= 240; idle++)
        {
            minute += idle;
            policy.Record(minute, 1);
        }

        Assert.Equal((0.0, 240.0), policy.Window);
    }

    [Fact]
    public void Hybrid_with_idle_times_beyond_range_forecasts_them()
    {
        var policy = new HybridHistogramPolicy(new HybridHistogramSettings());
        foreach (var minute in (int[])[0, 300, 600, 900])
        {
            policy.Record(minute, 1);
        }

        // AR(1) on a constant series of 300-minute idle times forecasts 300: window 255 to 345.
        Assert.Equal(255.0, policy.Window.PreWarm, 6);
        Assert.Equal(345.0, policy.Window.KeepAliveEnd, 6);
        Assert.Empty(policy.WarmChances(900 + 254));
        Assert.Single(policy.WarmChances(900 + 300));
    }
}
