using EventShadow.Contracts;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager.Pools;

/// <summary>
/// One warm pool as <c>GET /pools</c> shows it.
/// </summary>
/// <param name="Forecast">Warm shadows the forecast asked for in the latest sizing round.</param>
/// <param name="Target">Warm shadows the pool keeps after floor, ceiling and budget.</param>
/// <param name="Warm">Paused warm shadows waiting now.</param>
/// <param name="Claimed">Shadows of the profile that serve an attempt now, warm-born or cold.</param>
/// <param name="Claims">Claims in the last <paramref name="WindowMinutes"/> minutes.</param>
/// <param name="ColdStarts">Of those claims, the ones that started cold.</param>
/// <param name="ColdStartRate">ColdStarts divided by Claims; null without claims.</param>
public sealed record PoolStatus(
    WorkloadProfile Profile,
    bool HasWarmPool,
    int Forecast,
    int Target,
    int Warm,
    int Claimed,
    int Claims,
    int ColdStarts,
    double? ColdStartRate,
    int WindowMinutes,
    DateTimeOffset? SizedAt);

/// <summary>
/// The answer of <c>GET /pools</c>: this PoolManager's pools on its Docker host.
/// </summary>
public sealed record PoolsResponse(string Pool, string Instance, IReadOnlyList<PoolStatus> Profiles);

/// <summary>
/// Builds <see cref="PoolsResponse"/> from the latest sizing round, the engine's list of shadows and the
/// pools' claim events.
/// </summary>
public sealed class PoolStatusReader(
    ShadowContainers containers,
    ShadowPoolSizer sizer,
    ShadowPoolJournal journal,
    IOptions<ShadowOptions> options,
    TimeProvider time)
{
    /// <summary>Minutes of claims the cold-start rate covers.</summary>
    public const int WindowMinutes = 60;

    public async Task<PoolsResponse> ReadAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // Other PoolManagers on the same Docker host may keep shadows under the same pool name.
        var shadows = (await containers.ListPoolAsync(settings.Pool, cancellationToken))
            .Where(shadow => shadow.Owner == settings.InstanceName)
            .ToList();
        var targets = sizer.Targets;
        var since = time.GetUtcNow().AddMinutes(-WindowMinutes);

        var profiles = settings.WarmPools.Select(pool => pool.Profile)
            .Concat(shadows.Where(shadow => shadow.Profile is not null).Select(shadow => shadow.Profile!.Value))
            .Distinct()
            .Order();

        var statuses = new List<PoolStatus>();
        foreach (var profile in profiles)
        {
            var claims = await journal.ClaimsSinceAsync(profile, since, cancellationToken);
            var cold = claims.Count(claim => claim.ColdStart);
            var target = targets.GetValueOrDefault(profile);
            statuses.Add(new PoolStatus(
                profile,
                settings.WarmPools.Any(pool => pool.Profile == profile),
                target?.Forecast ?? 0,
                target?.Target ?? 0,
                shadows.Count(shadow => shadow.Profile == profile && shadow.Warm && shadow.State == "paused"),
                shadows.Count(shadow => shadow.Profile == profile && !shadow.Warm),
                claims.Count,
                cold,
                claims.Count == 0 ? null : (double)cold / claims.Count,
                WindowMinutes,
                target?.SizedAt));
        }

        return new PoolsResponse(settings.Pool, settings.InstanceName, statuses);
    }
}
