namespace EventShadow.Hosting.Access;

/// <summary>
/// Lets through at most a fixed number of log lines per minute and counts the ones held back, so that a
/// client sending bad keys in a loop cannot flood the log.
/// </summary>
public sealed class LogThrottle(int perMinute, TimeProvider clock)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Lock gate = new();
    private DateTimeOffset windowStart = DateTimeOffset.MinValue;
    private int logged;
    private int heldBack;

    /// <summary>
    /// Returns <c>true</c> when this line may be logged, with the number of lines held back since the last one
    /// logged in <paramref name="skipped"/>. Returns <c>false</c> and counts the line when the minute's quota is used.
    /// </summary>
    public bool TryEnter(out int skipped)
    {
        lock (gate)
        {
            var now = clock.GetUtcNow();
            if (now - windowStart >= Window)
            {
                windowStart = now;
                logged = 0;
            }

            if (logged >= perMinute)
            {
                heldBack++;
                skipped = 0;
                return false;
            }

            logged++;
            skipped = heldBack;
            heldBack = 0;
            return true;
        }
    }
}
