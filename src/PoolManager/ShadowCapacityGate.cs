using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager;

/// <summary>
/// Keeps the number of shadows of this PoolManager's pool on its Docker host at or below
/// <see cref="ShadowOptions.MaxShadows"/>: a new shadow waits until a release frees a slot.
/// </summary>
/// <remarks>
/// Counting and creating run under one lock per process, so one PoolManager never overshoots.
/// NOTE: several PoolManagers on one host each count the same containers but create under their own
/// lock, so together they can overshoot by up to one shadow per extra instance.
/// </remarks>
public sealed class ShadowCapacityGate(
    ShadowContainers containers,
    IOptionsMonitor<ShadowOptions> options,
    TimeProvider clock,
    ILogger<ShadowCapacityGate> logger) : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly SemaphoreSlim creating = new(1, 1);

    /// <summary>
    /// Runs <paramref name="create"/> once fewer than the maximum number of shadows exist. Throws
    /// <see cref="ShadowUnavailableException"/> when no slot frees up within the configured wait.
    /// </summary>
    public async Task<T> CreateWhenFreeAsync<T>(Guid negotiationId, int attempt, Func<Task<T>> create, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var deadline = clock.GetUtcNow().AddSeconds(settings.CapacityWaitSeconds);
        var waiting = false;

        while (true)
        {
            await creating.WaitAsync(cancellationToken);
            try
            {
                var live = await containers.CountAsync(settings.Pool, cancellationToken);
                if (live < settings.MaxShadows)
                {
                    if (waiting)
                    {
                        logger.LogInformation(
                            "A shadow slot is free for negotiation {NegotiationId} attempt {Attempt}", negotiationId, attempt);
                    }

                    return await create();
                }

                if (!waiting)
                {
                    logger.LogInformation(
                        "All {MaxShadows} shadow slots are in use; negotiation {NegotiationId} attempt {Attempt} waits for a release",
                        settings.MaxShadows, negotiationId, attempt);
                    waiting = true;
                }
            }
            finally
            {
                creating.Release();
            }

            if (clock.GetUtcNow() >= deadline)
            {
                throw new ShadowUnavailableException(
                    $"all {settings.MaxShadows} shadow slots (Shadows:MaxShadows) stayed in use for {settings.CapacityWaitSeconds} s " +
                    "(Shadows:CapacityWaitSeconds); raise the limit or submit fewer tasks at once");
            }

            await Task.Delay(PollInterval, clock, cancellationToken);
        }
    }

    public void Dispose() => creating.Dispose();
}
