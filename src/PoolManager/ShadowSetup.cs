using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager;

/// <summary>
/// Registers the shadow image catalog and the Docker driver, with the <c>Shadows</c> options checked at start.
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
        return services;
    }
}
