using Docker.DotNet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager;

/// <summary>
/// Keeps the number of shadows of this PoolManager's pool on its Docker host at or below
/// <see cref="ShadowOptions.MaxShadows"/>, or the limit derived from the host when that is 0: a new
/// shadow waits until a release frees a slot.
/// </summary>
/// <remarks>
/// Counting and reserving a slot run under one lock per process, and claims in progress hold their
/// slot until they end, so one PoolManager never overshoots while several claims run at once. Waiting
/// claims share one count of the live shadows for <see cref="CountReuse"/>, so that many of them do not
/// each list the host's containers; a claim that ends discards the count, as its shadow now exists.
/// NOTE: several PoolManagers on one host each count the same containers but reserve under their own
/// lock, so together they can overshoot by up to one shadow per claim in progress in the other instances.
/// </remarks>
public sealed class ShadowCapacityGate(
    ShadowContainers containers,
    IDockerClient docker,
    IOptionsMonitor<ShadowOptions> options,
    TimeProvider clock,
    ILogger<ShadowCapacityGate> logger) : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a count of the live shadows serves further reservations.</summary>
    private static readonly TimeSpan CountReuse = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim counting = new(1, 1);
    private int claimsInProgress;
    private int? derivedLimit;
    private (int Live, DateTimeOffset At)? lastCount;

    /// <summary>
    /// Runs <paramref name="create"/> once fewer than the maximum number of shadows exist, counting the
    /// claims of this process still in progress. Throws <see cref="ShadowUnavailableException"/> when no
    /// slot frees up within the configured wait.
    /// </summary>
    public async Task<T> CreateWhenFreeAsync<T>(Guid negotiationId, int attempt, Func<Task<T>> create, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var limit = await LimitAsync(settings, cancellationToken);
        var deadline = clock.GetUtcNow().AddSeconds(settings.CapacityWaitSeconds);
        var waiting = false;

        while (true)
        {
            if (await TryReserveAsync(settings.Pool, limit, cancellationToken))
            {
                break;
            }

            if (!waiting)
            {
                logger.LogInformation(
                    "All {MaxShadows} shadow slots are in use; negotiation {NegotiationId} attempt {Attempt} waits for a release",
                    limit, negotiationId, attempt);
                waiting = true;
            }

            if (clock.GetUtcNow() >= deadline)
            {
                throw new ShadowUnavailableException(
                    $"all {limit} shadow slots (Shadows:MaxShadows) stayed in use for {settings.CapacityWaitSeconds} s " +
                    "(Shadows:CapacityWaitSeconds); raise the limit or submit fewer tasks at once");
            }

            await Task.Delay(PollInterval, clock, cancellationToken);
        }

        if (waiting)
        {
            logger.LogInformation("A shadow slot is free for negotiation {NegotiationId} attempt {Attempt}", negotiationId, attempt);
        }

        try
        {
            return await create();
        }
        finally
        {
            await counting.WaitAsync(CancellationToken.None);
            claimsInProgress--;
            lastCount = null;
            counting.Release();
        }
    }

    /// <summary>
    /// Returns the shadow limit: <see cref="ShadowOptions.MaxShadows"/>, or when it is 0 the limit
    /// <see cref="ShadowOptions.DeriveMaxShadows"/> derives from the Docker host, read once.
    /// </summary>
    public async Task<int> LimitAsync(ShadowOptions settings, CancellationToken cancellationToken)
    {
        if (settings.MaxShadows > 0)
        {
            return settings.MaxShadows;
        }

        if (derivedLimit is { } known)
        {
            return known;
        }

        var host = await docker.System.GetSystemInfoAsync(cancellationToken);
        var limit = ShadowOptions.DeriveMaxShadows(host.NCPU, host.MemTotal);
        logger.LogInformation(
            "Shadows:MaxShadows is 0, so at most {MaxShadows} shadows live at once: derived from the Docker host's {Cpus} CPUs and {MemoryMiB} MiB of memory",
            limit, host.NCPU, host.MemTotal / (1024 * 1024));
        derivedLimit = limit;
        return limit;
    }

    /// <summary>Takes a slot when the live shadows and the claims in progress leave one free.</summary>
    private async Task<bool> TryReserveAsync(string pool, int limit, CancellationToken cancellationToken)
    {
        await counting.WaitAsync(cancellationToken);
        try
        {
            // A claim in progress may already show in the count; counting it twice only errs on the safe side.
            var now = clock.GetUtcNow();
            if (lastCount is not { } count || now - count.At > CountReuse)
            {
                count = (await containers.CountAsync(pool, cancellationToken), now);
                lastCount = count;
            }

            if (count.Live + claimsInProgress >= limit)
            {
                return false;
            }

            claimsInProgress++;
            return true;
        }
        finally
        {
            counting.Release();
        }
    }

    public void Dispose() => counting.Dispose();
}
