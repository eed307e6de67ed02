using EventShadow.PoolManager;
using Microsoft.Extensions.Configuration;

namespace EventShadow.UnitTests.PoolManager;

/// <summary>
/// The PoolManager's appsettings.json from the source tree, bound the way the service binds it.
/// </summary>
internal static class ShippedSettings
{
    public static string AppSettingsPath
    {
        get
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "EventShadow.sln")))
                {
                    return Path.Combine(folder.FullName, "src", "PoolManager", "appsettings.json");
                }
            }

            throw new InvalidOperationException($"EventShadow.sln was not found above {AppContext.BaseDirectory}; run the tests from the repository.");
        }
    }

    public static ShadowOptions Load() => Bind(new ConfigurationBuilder().AddJsonFile(AppSettingsPath).Build());

    public static ShadowOptions Bind(IConfiguration configuration)
    {
        var options = new ShadowOptions();
        configuration.GetSection(ShadowOptions.SectionName).Bind(options);
        return options;
    }
}
