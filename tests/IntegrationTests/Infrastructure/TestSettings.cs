namespace EventShadow.IntegrationTests.Infrastructure;

/// <summary>
/// Settings of the real PostgreSQL, RabbitMQ image and Docker engine that the tests use. Values come
/// from environment variables, or else from the env file that <c>infra/setup.sh</c> writes.
/// A missing value fails the test with what to run; nothing falls back to a fake.
/// </summary>
public static class TestSettings
{
    private static readonly Lazy<Dictionary<string, string>> EnvFile = new(ReadEnvFile);

    public static string EventStoreConnectionString => Get("ConnectionStrings__EventStore");

    public static string RabbitMqImage => Get("Testing__RabbitMqImage");

    public static string WorkloadImage => Get("Shadows__WorkloadImage");

    public static Uri DockerEndpoint => new(Get("Docker__Endpoint"));

    public static string EnvFilePath =>
        Path.Combine(Environment.GetEnvironmentVariable("EVENTSHADOW_STATE_DIR") ?? "/var/lib/eventshadow", "env");

    public static string Get(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        if (!string.IsNullOrEmpty(value))
        {
            return value;
        }

        if (EnvFile.Value.TryGetValue(name, out var fromFile) && fromFile.Length > 0)
        {
            return fromFile;
        }

        throw new InvalidOperationException(
            $"Setting {name} is missing: neither the environment nor {EnvFilePath} has it. " +
            "Run `bash infra/setup.sh` to install and start PostgreSQL, RabbitMQ and Docker and write that file.");
    }

    private static Dictionary<string, string> ReadEnvFile()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(EnvFilePath))
        {
            return values;
        }

        foreach (var line in File.ReadAllLines(EnvFilePath))
        {
            var separator = line.IndexOf('=', StringComparison.Ordinal);
            if (separator > 0 && !line.StartsWith('#'))
            {
                values[line[..separator]] = line[(separator + 1)..].Trim('\'');
            }
        }

        return values;
    }
}
