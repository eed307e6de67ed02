using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.PoolManager;
using Microsoft.Extensions.Configuration;

namespace EventShadow.IntegrationTests.PoolManager;

/// <summary>
/// The PoolManager's shipped settings from its project folder (see <see cref="SourceTree"/>).
/// </summary>
internal static class PoolManagerSettings
{
    public static string ContentRoot => SourceTree.ServiceFolder("PoolManager");

    /// <summary>
    /// Returns the shipped <c>Shadows</c> options with the test machine's workload image and
    /// <paramref name="overrides"/> (configuration keys and values) applied.
    /// </summary>
    public static ShadowOptions LoadShadowOptions(string instanceName, params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Shadows:WorkloadImage"] = TestSettings.WorkloadImage,
            ["Shadows:InstanceName"] = instanceName,
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(ContentRoot, "appsettings.json"))
            .AddInMemoryCollection(settings)
            .Build();

        var options = new ShadowOptions();
        configuration.GetSection(ShadowOptions.SectionName).Bind(options);
        return options;
    }
}
