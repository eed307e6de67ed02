using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Images;
using Testcontainers.RabbitMq;

namespace EventShadow.IntegrationTests.Infrastructure;

/// <summary>
/// One real RabbitMQ container, started through Testcontainers for the whole test run. Each test
/// class gets a virtual host of its own, so exchanges and queues of parallel tests never meet.
/// </summary>
public static class RabbitMqBroker
{
    private const string Username = "eventshadow";
    private const string Password = "eventshadow-tests";

    private static readonly Lazy<Task<RabbitMqContainer>> Container = new(StartAsync);

    /// <summary>
    /// Creates a virtual host with a unique name and returns where to reach it.
    /// </summary>
    public static async Task<RabbitMqEndpoint> CreateVirtualHostAsync()
    {
        var container = await Container.Value;
        var virtualHost = $"test-{Guid.NewGuid():N}";

        await RunAsync(container, "rabbitmqctl", "add_vhost", virtualHost);
        await RunAsync(container, "rabbitmqctl", "set_permissions", "-p", virtualHost, Username, ".*", ".*", ".*");

        return new RabbitMqEndpoint(container.Hostname, container.GetMappedPublicPort(RabbitMqBuilder.RabbitMqPort), virtualHost, Username, Password);
    }

    /// <summary>
    /// Returns how many messages wait in <paramref name="queue"/> of <paramref name="virtualHost"/>,
    /// or 0 when the queue does not exist.
    /// </summary>
    public static async Task<int> CountMessagesAsync(string virtualHost, string queue)
    {
        var container = await Container.Value;
        var result = await container.ExecAsync(["rabbitmqctl", "list_queues", "-q", "-p", virtualHost, "name", "messages"]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl list_queues failed in the RabbitMQ container: {result.Stderr}");
        }

        foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var columns = line.Split('\t');
            if (columns.Length == 2 && columns[0] == queue)
            {
                return int.Parse(columns[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>
    /// Returns the type (<c>classic</c> or <c>quorum</c>) of every queue of <paramref name="virtualHost"/>, by name.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> ListQueueTypesAsync(string virtualHost)
    {
        var container = await Container.Value;
        var result = await container.ExecAsync(["rabbitmqctl", "list_queues", "-q", "-p", virtualHost, "name", "type"]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl list_queues failed in the RabbitMQ container: {result.Stderr}");
        }

        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Where(columns => columns.Length == 2 && columns[0] != "name")
            .ToDictionary(columns => columns[0], columns => columns[1], StringComparer.Ordinal);
    }

    private static async Task<RabbitMqContainer> StartAsync()
    {
        // Testcontainers reads these once, when its settings are first touched. No Ryuk image is
        // available here, so containers are removed when the test process exits; published ports
        // bind to loopback only.
        Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true");
        Environment.SetEnvironmentVariable("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1");
        TestcontainersSettings.ResourceReaperEnabled = false;

        var container = new RabbitMqBuilder(TestSettings.RabbitMqImage)
            .WithImagePullPolicy(PullPolicy.Never)
            .WithUsername(Username)
            .WithPassword(Password)
            .WithLabel("eventshadow.test", "true")
            .Build();

        try
        {
            await container.StartAsync();
        }
        catch (Exception ex)
        {
            await container.DisposeAsync();
            throw new InvalidOperationException(
                $"RabbitMQ test container from image {TestSettings.RabbitMqImage} did not start: {ex.Message} " +
                "Run `bash infra/setup.sh` to start the Docker engine and build the image.", ex);
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return container;
    }

    private static async Task RunAsync(RabbitMqContainer container, params string[] command)
    {
        var result = await container.ExecAsync(command);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{string.Join(' ', command)}` failed in the RabbitMQ container: {result.Stderr}{result.Stdout}");
        }
    }
}

/// <summary>
/// Where a test's services reach RabbitMQ.
/// </summary>
public sealed record RabbitMqEndpoint(string Host, int Port, string VirtualHost, string Username, string Password);
