using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager.Pools;

/// <summary>
/// Runs the warm pools: on start, rebuilds the pools from the engine's labels and finishes or undoes
/// what a stopped PoolManager left half done; then sizes the pools every
/// <see cref="ShadowOptions.SizingIntervalSeconds"/> (sooner after a claim) and reaps every
/// <see cref="ShadowOptions.ReaperIntervalSeconds"/>.
/// </summary>
/// <remarks>
/// It is registered before the bus, and the host starts services one after the other, so the recovery
/// pass ends before any proposal is consumed.
/// </remarks>
public sealed class ShadowPoolService(
    ShadowContainers containers,
    ShadowPoolSizer sizer,
    ShadowReaper reaper,
    WarmShadows warmShadows,
    IOptions<ShadowOptions> options,
    TimeProvider time,
    ILogger<ShadowPoolService> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var removed = await reaper.ReapAsync(starting: true, cancellationToken);
            logger.LogInformation("Recovered the shadows of pool {Pool}: removed {Removed} left behind or half done", options.Value.Pool, removed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The periodic reaper retries; refusing to start would leave claims unserved.
            logger.LogError(ex, "Recovering the shadows of pool {Pool} failed: {Error}; the reaper retries", options.Value.Pool, ex.Message);
        }

        await base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Stops sizing and removes this instance's unclaimed warm shadows: a PoolManager that stops
    /// gracefully leaves no pool behind. A killed one leaves its pool to the next start's recovery.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        var settings = options.Value;
        try
        {
            var removed = 0;
            foreach (var shadow in await containers.ListPoolAsync(settings.Pool, cancellationToken))
            {
                if (shadow.Warm && shadow.Owner == settings.InstanceName && await warmShadows.RemoveUnclaimedAsync(shadow.ShadowId, cancellationToken))
                {
                    removed++;
                }
            }

            logger.LogInformation("Stopped pool {Pool}: removed {Removed} unclaimed warm shadows", settings.Pool, removed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not remove the warm shadows of pool {Pool} while stopping: {Error}; the next start removes or reuses them", settings.Pool, ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var reaperInterval = TimeSpan.FromSeconds(settings.ReaperIntervalSeconds);
        var nextReap = time.GetUtcNow() + reaperInterval;

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await sizer.SizeAsync(stoppingToken);
                if (time.GetUtcNow() >= nextReap)
                {
                    await reaper.ReapAsync(starting: false, stoppingToken);
                    nextReap = time.GetUtcNow() + reaperInterval;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Sizing or reaping pool {Pool} failed: {Error}; retrying in {Seconds} s", settings.Pool, ex.Message, settings.SizingIntervalSeconds);
            }

            try
            {
                await warmShadows.WaitForRefillAsync(TimeSpan.FromSeconds(settings.SizingIntervalSeconds), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
