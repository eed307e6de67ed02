using System.Globalization;
using EventShadow.Contracts;
using EventShadow.PoolManager.Sizing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager.Pools;

/// <summary>
/// The size of one warm pool after a sizing round, for <c>GET /pools</c>.
/// </summary>
/// <param name="Forecast">Warm shadows the forecast asked for, before floor, ceiling and budget.</param>
/// <param name="Target">Warm shadows the pool keeps.</param>
public sealed record PoolTarget(WorkloadProfile Profile, int Forecast, int Target, DateTimeOffset SizedAt);

/// <summary>
/// Sizes each warm pool from the forecast of its profile's arrivals, within the floor, ceiling and
/// budget, and creates or removes warm shadows to match.
/// </summary>
public sealed class ShadowPoolSizer(
    ShadowContainers containers,
    ShadowImageCatalog catalog,
    WarmShadows warmShadows,
    ArrivalLog arrivals,
    ShadowPoolJournal journal,
    IOptions<ShadowOptions> options,
    TimeProvider time,
    ILogger<ShadowPoolSizer> logger)
{
    private readonly Dictionary<WorkloadProfile, PoolTarget> targets = [];

    /// <summary>The outcome of the latest sizing round of each pool.</summary>
    public IReadOnlyDictionary<WorkloadProfile, PoolTarget> Targets
    {
        get
        {
            lock (targets)
            {
                return new Dictionary<WorkloadProfile, PoolTarget>(targets);
            }
        }
    }

    /// <summary>Runs one sizing round: forecast, budget, then create and remove warm shadows.</summary>
    public async Task SizeAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        await arrivals.RefreshAsync(now.AddHours(-settings.DemandHistoryHours), cancellationToken);

        var minute = ArrivalLog.MinuteOf(now);
        arrivals.Forget(minute - settings.DemandHistoryHours * 60);

        var demands = settings.WarmPools
            .Select(pool => new WarmDemand<WorkloadProfile>(pool.Profile, settings.WarmMemoryMiB, pool.MinWarm, pool.MaxWarm, Forecast(pool.Profile, minute)))
            .ToList();
        var sizes = WarmBudget.Allocate(demands, settings.WarmBudget.MaxShadows, settings.WarmBudget.MaxMemoryMiB);

        var shadows = await containers.ListPoolAsync(settings.Pool, cancellationToken);
        foreach (var demand in demands)
        {
            var pool = settings.WarmPools.First(entry => entry.Profile == demand.Key);
            await RecordTargetAsync(demand, sizes[demand.Key], now, cancellationToken);
            await ReconcileAsync(pool, sizes[demand.Key], shadows, cancellationToken);
        }

        await RemoveUnpooledAsync(shadows, cancellationToken);
    }

    private IReadOnlyList<double> Forecast(WorkloadProfile profile, long minute)
    {
        var settings = options.Value;
        var forecaster = new DemandForecaster(new ForecastSettings(settings.ColdStartCostMinutes, settings.NewDemandKeepAliveMinutes));
        foreach (var (arrivalMinute, count) in arrivals.MinutesOf(profile))
        {
            // The current minute is still filling up; claims in it are served by refills.
            if (arrivalMinute < minute)
            {
                forecaster.Record(arrivalMinute, count);
            }
        }

        return forecaster.WarmChances(minute);
    }

    private async Task RecordTargetAsync(WarmDemand<WorkloadProfile> demand, int size, DateTimeOffset now, CancellationToken cancellationToken)
    {
        PoolTarget? previous;
        lock (targets)
        {
            previous = targets.GetValueOrDefault(demand.Key);
            targets[demand.Key] = new PoolTarget(demand.Key, demand.Chances.Count, size, now);
        }

        if (previous?.Target == size)
        {
            return;
        }

        var rationale = string.Create(
            CultureInfo.InvariantCulture,
            $"forecast {demand.Chances.Count} (highest chance of use in the next minute {(demand.Chances.Count > 0 ? demand.Chances[0] : 0):P0}), floor {demand.Floor}, ceiling {demand.Ceiling}, {size} within the warm budget");
        logger.LogInformation(
            "Warm pool {Profile} resized from {PreviousSize} to {Size}: {Rationale}", demand.Key, previous?.Target ?? 0, size, rationale);
        await journal.AppendAsync(demand.Key, cancellationToken, new ShadowPoolResized(options.Value.Pool, demand.Key, previous?.Target ?? 0, size, rationale, now));
    }

    private async Task ReconcileAsync(WarmPoolOptions pool, int size, IReadOnlyList<PoolShadow> shadows, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        ShadowWorkload workload;
        try
        {
            workload = catalog.Resolve(new ContainerSpec(
                "warm", pool.Image, null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None));
        }
        catch (ShadowUnavailableException ex)
        {
            logger.LogError("The {Profile} warm pool gets no shadows: {Reason}", pool.Profile, ex.Message);
            return;
        }

        var mine = shadows
            .Where(shadow => shadow.Warm && shadow.Profile == pool.Profile && shadow.Owner == settings.InstanceName && !warmShadows.IsTaken(shadow.ShadowId))
            .ToList();

        // A warm shadow that is not paused was left half made; one of another shape predates a change of its mapping.
        var ready = new List<PoolShadow>();
        foreach (var shadow in mine)
        {
            if (shadow.State != "paused")
            {
                await RemoveWarmAsync(shadow, $"warm shadow was {shadow.State}, not paused", cancellationToken);
            }
            else if (shadow.Shape != workload.Shape)
            {
                await RemoveWarmAsync(shadow, $"its shape '{shadow.Shape}' no longer matches the pool's '{workload.Shape}'", cancellationToken);
            }
            else
            {
                ready.Add(shadow);
            }
        }

        foreach (var extra in ready.OrderBy(shadow => shadow.CreatedAt).Skip(size).ToList())
        {
            await RemoveWarmAsync(extra, $"the pool shrank to {size}", cancellationToken);
        }

        for (var count = ready.Count; count < size; count++)
        {
            try
            {
                var (id, name) = await containers.CreateWarmAsync(new WarmShadowRequest(pool.Profile, workload), cancellationToken);
                await journal.AppendAsync(pool.Profile, cancellationToken, new ShadowWarmed(settings.Pool, pool.Profile, id, name, workload.Image, time.GetUtcNow()));
            }
            catch (ShadowUnavailableException ex)
            {
                logger.LogError("Could not warm a {Profile} shadow: {Reason}. The pool stays at {Count} of {Size} until the next round", pool.Profile, ex.Message, count, size);
                break;
            }
        }
    }

    /// <summary>Removes this PoolManager's warm shadows of profiles that no longer have a pool.</summary>
    private async Task RemoveUnpooledAsync(IReadOnlyList<PoolShadow> shadows, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var pooled = settings.WarmPools.Select(pool => pool.Profile).ToHashSet();
        foreach (var shadow in shadows.Where(shadow => shadow.Warm && shadow.Owner == settings.InstanceName && !warmShadows.IsTaken(shadow.ShadowId)))
        {
            if (shadow.Profile is not { } profile || !pooled.Contains(profile))
            {
                await RemoveWarmAsync(shadow, "its profile has no warm pool", cancellationToken);
            }
        }
    }

    private async Task RemoveWarmAsync(PoolShadow shadow, string reason, CancellationToken cancellationToken)
    {
        if (!await warmShadows.RemoveUnclaimedAsync(shadow.ShadowId, cancellationToken))
        {
            return;
        }

        logger.LogInformation("Removed warm shadow {ShadowId} of profile {Profile}: {Reason}", shadow.ShadowId, shadow.Profile, reason);
        if (shadow.Profile is { } profile)
        {
            var now = time.GetUtcNow();
            await journal.AppendAsync(
                profile,
                cancellationToken,
                new WarmShadowRemoved(options.Value.Pool, profile, shadow.ShadowId, reason, now),
                new WarmShadowIdled(options.Value.Pool, profile, shadow.ShadowId, options.Value.WarmMemoryMiB, shadow.CreatedAt, now));
        }
    }
}
