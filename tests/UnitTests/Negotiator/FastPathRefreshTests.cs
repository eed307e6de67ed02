using EventShadow.Negotiator.Allocation;

namespace EventShadow.UnitTests.Negotiator;

public class FastPathRefreshTests
{
    private const string Redis = "workload:redis:abc";
    private const string Nginx = "workload:nginx:def";

    private static readonly FastPathOptions EveryThird = new() { RefreshEvery = 3, RefreshMinIntervalSeconds = 0 };

    [Fact]
    public void Every_nth_negotiation_is_refreshed()
    {
        var refresh = new FastPathRefresh(new ManualClock());

        var picks = Enumerable.Range(0, 9).Select(_ => refresh.TakeRefresh(Redis, EveryThird)).ToList();

        Assert.Equal([false, false, true, false, false, true, false, false, true], picks);
    }

    [Fact]
    public void Workloads_are_counted_apart()
    {
        var refresh = new FastPathRefresh(new ManualClock());

        Assert.False(refresh.TakeRefresh(Redis, EveryThird));
        Assert.False(refresh.TakeRefresh(Redis, EveryThird));
        Assert.False(refresh.TakeRefresh(Nginx, EveryThird));
        Assert.True(refresh.TakeRefresh(Redis, EveryThird));
        Assert.False(refresh.TakeRefresh(Nginx, EveryThird));
        Assert.True(refresh.TakeRefresh(Nginx, EveryThird));
    }

    [Fact]
    public void Zero_never_refreshes()
    {
        var refresh = new FastPathRefresh(new ManualClock());
        var never = new FastPathOptions { RefreshEvery = 0, RefreshMinIntervalSeconds = 0 };

        Assert.DoesNotContain(true, Enumerable.Range(0, 100).Select(_ => refresh.TakeRefresh(Redis, never)));
    }

    [Fact]
    public void Refresh_waits_for_min_interval()
    {
        var clock = new ManualClock();
        var refresh = new FastPathRefresh(clock);
        var spaced = new FastPathOptions { RefreshEvery = 2, RefreshMinIntervalSeconds = 60 };

        Assert.False(refresh.TakeRefresh(Redis, spaced));
        Assert.True(refresh.TakeRefresh(Redis, spaced));

        // Due again by count, but within the interval: trusted negotiations keep committing.
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(refresh.TakeRefresh(Redis, spaced));
        Assert.False(refresh.TakeRefresh(Redis, spaced));
        Assert.False(refresh.TakeRefresh(Redis, spaced));

        // The first negotiation after the interval is refreshed, then the count starts again.
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(refresh.TakeRefresh(Redis, spaced));
        clock.Advance(TimeSpan.FromSeconds(120));
        Assert.False(refresh.TakeRefresh(Redis, spaced));
        Assert.True(refresh.TakeRefresh(Redis, spaced));
    }

    [Fact]
    public void Concurrent_callers_refresh_once_per_n()
    {
        var refresh = new FastPathRefresh(new ManualClock());
        var options = new FastPathOptions { RefreshEvery = 20, RefreshMinIntervalSeconds = 0 };

        var refreshed = 0;
        Parallel.For(0, 2000, _ =>
        {
            if (refresh.TakeRefresh(Redis, options))
            {
                Interlocked.Increment(ref refreshed);
            }
        });

        Assert.Equal(100, refreshed);
    }

    [Fact]
    public void Remembered_answer_is_taken_once()
    {
        var refresh = new FastPathRefresh(new ManualClock());
        var due = Guid.NewGuid();
        var counted = Guid.NewGuid();

        refresh.Remember(due, refresh: true);
        refresh.Remember(counted, refresh: false);

        Assert.True(refresh.TakeRemembered(due));
        Assert.False(refresh.TakeRemembered(counted));
        Assert.Null(refresh.TakeRemembered(due));
        Assert.Null(refresh.TakeRemembered(Guid.NewGuid()));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan time) => now += time;
    }
}
