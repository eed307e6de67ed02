using EventShadow.Hosting.Access;

namespace EventShadow.UnitTests.Hosting;

public sealed class LogThrottleTests
{
    [Fact]
    public void Quota_holds_back_and_counts_lines()
    {
        var clock = new ManualClock();
        var throttle = new LogThrottle(perMinute: 2, clock);

        Assert.True(throttle.TryEnter(out var first));
        Assert.True(throttle.TryEnter(out _));
        Assert.False(throttle.TryEnter(out _));
        Assert.False(throttle.TryEnter(out _));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(throttle.TryEnter(out var afterWindow));

        Assert.Equal(0, first);
        Assert.Equal(2, afterWindow);
    }

    [Fact]
    public void Count_resets_after_it_is_reported()
    {
        var clock = new ManualClock();
        var throttle = new LogThrottle(perMinute: 1, clock);

        throttle.TryEnter(out _);
        throttle.TryEnter(out _);
        clock.Advance(TimeSpan.FromMinutes(1));
        throttle.TryEnter(out var reported);
        clock.Advance(TimeSpan.FromMinutes(1));
        throttle.TryEnter(out var next);

        Assert.Equal(1, reported);
        Assert.Equal(0, next);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan step) => now += step;
    }
}
