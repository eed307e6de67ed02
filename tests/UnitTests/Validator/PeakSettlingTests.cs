using EventShadow.Validator;

namespace EventShadow.UnitTests.Validator;

public sealed class PeakSettlingTests
{
    private const long MiB = 1024 * 1024;

    private static ValidationOptions Settings(int watchSeconds = 5, int? minWatchSeconds = null, int settleSeconds = 2, int maxSettleSeconds = 30) =>
        new()
        {
            WatchSeconds = watchSeconds,
            MinWatchSeconds = minWatchSeconds,
            SettleSeconds = settleSeconds,
            SettleGrowthPercent = 2,
            MaxSettleSeconds = maxSettleSeconds,
        };

    [Fact]
    public void Without_minimum_first_window_ends_at_watch()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), PeakSettling.FirstWindowEnd(Settings()));
    }

    [Fact]
    public void Minimum_watch_moves_first_window_earlier()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), PeakSettling.FirstWindowEnd(Settings(minWatchSeconds: 3)));
    }

    [Fact]
    public void First_window_lasts_at_least_one_settle_window()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), PeakSettling.FirstWindowEnd(Settings(minWatchSeconds: 0)));
        Assert.Equal(TimeSpan.FromSeconds(2), PeakSettling.FirstWindowEnd(Settings(watchSeconds: 1)));
    }

    [Fact]
    public void Minimum_watch_keeps_longest_watch()
    {
        Assert.Equal(TimeSpan.FromSeconds(35), PeakSettling.LongestWatch(Settings()));
        Assert.Equal(TimeSpan.FromSeconds(35), PeakSettling.LongestWatch(Settings(minWatchSeconds: 0)));
    }

    [Fact]
    public void Flat_peak_ends_watch_at_first_window()
    {
        var settings = Settings(minWatchSeconds: 0);

        var step = PeakSettling.Next(PeakSettling.FirstWindowEnd(settings), 100 * MiB, 100 * MiB, settings);

        Assert.Equal(WatchStep.Settled, step);
    }

    [Fact]
    public void Growth_within_allowed_share_settles()
    {
        var settings = Settings(minWatchSeconds: 0);

        Assert.Equal(WatchStep.Settled, PeakSettling.Next(TimeSpan.FromSeconds(2), 100 * MiB, 102 * MiB, settings));
    }

    [Fact]
    public void Growth_above_allowed_share_continues()
    {
        var settings = Settings(minWatchSeconds: 0);

        Assert.Equal(WatchStep.Continue, PeakSettling.Next(TimeSpan.FromSeconds(2), 100 * MiB, 103 * MiB, settings));
    }

    [Fact]
    public void Growth_past_watch_continues_until_longest_watch()
    {
        var settings = Settings(minWatchSeconds: 0);

        Assert.Equal(WatchStep.Continue, PeakSettling.Next(TimeSpan.FromSeconds(6), 100 * MiB, 150 * MiB, settings));
        Assert.Equal(WatchStep.Continue, PeakSettling.Next(TimeSpan.FromSeconds(34.9), 100 * MiB, 150 * MiB, settings));
    }

    [Fact]
    public void Growth_at_longest_watch_is_still_growing()
    {
        var settings = Settings(minWatchSeconds: 0);

        Assert.Equal(WatchStep.StillGrowing, PeakSettling.Next(TimeSpan.FromSeconds(35), 100 * MiB, 150 * MiB, settings));
    }

    [Fact]
    public void Settled_peak_at_longest_watch_is_settled()
    {
        var settings = Settings();

        Assert.Equal(WatchStep.Settled, PeakSettling.Next(TimeSpan.FromSeconds(40), 100 * MiB, 100 * MiB, settings));
    }

    [Fact]
    public void Peak_from_zero_settles_only_when_flat()
    {
        var settings = Settings(minWatchSeconds: 0);

        Assert.Equal(WatchStep.Settled, PeakSettling.Next(TimeSpan.FromSeconds(2), 0, 0, settings));
        Assert.Equal(WatchStep.Continue, PeakSettling.Next(TimeSpan.FromSeconds(2), 0, MiB, settings));
    }

    [Fact]
    public void Max_watch_adds_last_window_to_longest_watch()
    {
        Assert.Equal(TimeSpan.FromSeconds(37), PeakSettling.MaxWatch(Settings(minWatchSeconds: 0)));
        Assert.Equal(TimeSpan.FromSeconds(67), PeakSettling.MaxWatch(Settings(maxSettleSeconds: 60)));
    }

    [Fact]
    public void Max_watch_without_settling_is_watch()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), PeakSettling.MaxWatch(Settings(settleSeconds: 0)));
    }

    [Fact]
    public void Watch_of_growing_peak_ends_within_max_watch()
    {
        var settings = Settings(minWatchSeconds: 0);

        // Each window also spends 0.1 s reading the peak twice, which moves its checks off whole windows.
        var window = settings.Settle + TimeSpan.FromSeconds(0.1);
        var elapsed = PeakSettling.FirstWindowEnd(settings);
        while (PeakSettling.Next(elapsed, 100 * MiB, 150 * MiB, settings) == WatchStep.Continue)
        {
            elapsed += window;
        }

        Assert.True(elapsed > PeakSettling.LongestWatch(settings), $"the watch ended after {elapsed.TotalSeconds} s");
        Assert.True(elapsed <= PeakSettling.MaxWatch(settings), $"the watch ended after {elapsed.TotalSeconds} s");
    }
}
