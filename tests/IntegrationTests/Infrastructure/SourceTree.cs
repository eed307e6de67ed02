namespace EventShadow.IntegrationTests.Infrastructure;

/// <summary>
/// Folders of the repository the tests run from.
/// </summary>
/// <remarks>
/// Every service project copies its appsettings.json into the test output folder, where the last
/// copy wins. Tests start each service with <c>--contentRoot</c> set to its own project folder, so
/// it reads the settings it ships with.
/// </remarks>
public static class SourceTree
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string RepositoryRoot => Root.Value;

    /// <summary>Returns the project folder of a service, such as <c>src/PoolManager</c>.</summary>
    public static string ServiceFolder(string service) => Path.Combine(RepositoryRoot, "src", service);

    /// <summary>
    /// Returns a service's own build output, <c>EventShadow.{service}.dll</c>, built with the same
    /// configuration as the tests: the test folder holds the assembly too, but with the test
    /// project's dependency list, so a service started as a process must run from its own folder.
    /// </summary>
    public static string ServiceAssembly(string service)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var path = Path.Combine(ServiceFolder(service), "bin", configuration, "net10.0", $"EventShadow.{service}.dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing; build the solution (dotnet build EventShadow.sln -c {configuration}) first.", path);
    }

    /// <summary>Returns the <c>--contentRoot</c> argument that makes a service read its own settings.</summary>
    public static string ContentRootArgument(string service) => $"--contentRoot={ServiceFolder(service)}";

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "EventShadow.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"EventShadow.sln was not found above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}
