namespace EventShadow.IntegrationTests.Infrastructure;

/// <summary>
/// The Chromium that browser tests drive: Debian's <c>chromium</c> package, which <c>infra/setup.sh</c> installs,
/// or the executable that <c>Testing__ChromiumPath</c> names. No browser is ever downloaded.
/// </summary>
public static class Chromium
{
    public const string DefaultPath = "/usr/bin/chromium";

    public static string ExecutablePath()
    {
        var path = Environment.GetEnvironmentVariable("Testing__ChromiumPath") is { Length: > 0 } configured ? configured : DefaultPath;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at {path}. Install Debian's package with `apt-get install -y chromium` or run " +
                "`bash infra/setup.sh`, or set Testing__ChromiumPath to a Chromium executable.");
        }

        return path;
    }
}
