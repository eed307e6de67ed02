using EventShadow.PoolReplay;

namespace EventShadow.UnitTests.PoolManager;

public sealed class PoolSimulationTests
{
    [Fact]
    public void Concurrency_covers_duration_within_minute()
    {
        var function = new TracedFunction("f", [0, 1, 10, 100], 256, 12_000);

        Assert.Equal(0, function.Concurrency(0));
        Assert.Equal(1, function.Concurrency(1));
        Assert.Equal(2, function.Concurrency(2));
        Assert.Equal(20, function.Concurrency(3));
    }

    [Fact]
    public void Keep_alive_counts_cold_starts_and_idle_memory()
    {
        // Invoked at minutes 0 and 5, then at 30: the first and last find no warm instance.
        var invocations = new int[40];
        invocations[0] = 1;
        invocations[5] = 1;
        invocations[30] = 1;
        var trace = new InvocationTrace([new TracedFunction("f", invocations, 1024, 1000)], 40, 0);

        var result = PoolSimulation.Run("keep-alive", trace, () => new FixedKeepAlivePolicy(10), ReplayBudget.None);

        Assert.Equal(3, result.Invocations);
        Assert.Equal(2, result.ColdStarts);
        // Warm from minute 1 to 15 (last use at 5 plus 10), less minute 5 when it served: 14 idle GiB-minutes;
        // then minutes 31 to 39 after the last use: 9 more.
        Assert.Equal(23.0, result.IdleGibMinutes, 6);
    }

    [Fact]
    public void Budget_limits_forecast_instances()
    {
        var invocations = Enumerable.Repeat(1, 30).ToArray();
        var functions = Enumerable.Range(0, 3).Select(index => new TracedFunction($"f{index}", invocations, 512, 100)).ToList();
        var trace = new InvocationTrace(functions, 30, 0);
        var settings = new EventShadow.PoolManager.Sizing.ForecastSettings();

        var unlimited = PoolSimulation.Run("forecast", trace, () => new ForecastPolicy(settings), ReplayBudget.None);
        var limited = PoolSimulation.Run("forecast", trace, () => new ForecastPolicy(settings), new ReplayBudget(1, 0));

        Assert.Equal(3, unlimited.ColdStarts);
        Assert.Equal(3 + 2 * 29, limited.ColdStarts);
    }

    [Fact]
    public void Percentile_uses_nearest_rank()
    {
        Assert.Equal(3.0, PoolSimulation.Percentile([1, 2, 3, 4], 0.75));
        Assert.Equal(0.0, PoolSimulation.Percentile([], 0.75));
    }
}
