using EventShadow.PoolManager.Pools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager;

/// <summary>
/// Registers the shadow image catalog, the Docker driver and the warm pools, with the <c>Shadows</c>
/// options checked at start.
/// </summary>
public static class ShadowSetup
{
    public static IServiceCollection AddShadowContainers(this IServiceCollection services)
    {
        services.AddOptions<ShadowOptions>()
            .BindConfiguration(ShadowOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ShadowOptions>, ShadowOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ShadowImageCatalog>();
        services.AddSingleton<ShadowContainers>();
        services.AddSingleton<ShadowCapacityGate>();

        services.AddSingleton<WarmShadows>();
        services.AddSingleton<ArrivalLog>();
        services.AddSingleton<ShadowPoolJournal>();
        services.AddSingleton<ShadowPoolSizer>();
        services.AddSingleton<ShadowReaper>();
        services.AddSingleton<PoolStatusReader>();

        // Registered before the bus, so that its recovery pass ends before any proposal is consumed.
        services.AddHostedService<ShadowPoolService>();
        return services;
    }
}
