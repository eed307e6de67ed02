using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.IntegrationTests.PoolManager;
using Npgsql;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// A RabbitMQ or PostgreSQL server in a container of one test's own, published on a fixed loopback
/// port so that it can be stopped and started again while the services keep their settings. The
/// machine's own servers, which other tests use, are never touched.
/// </summary>
public sealed class DedicatedContainer : IAsyncDisposable
{
    public const string RabbitMqUser = "eventshadow";
    public const string RabbitMqPassword = "eventshadow-reliability";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly string id;
    private readonly Func<Task> waitUntilServing;

    private DedicatedContainer(string id, int port, IReadOnlyList<string> settings, Func<DedicatedContainer, Task> waitUntilServing)
    {
        this.id = id;
        Port = port;
        Settings = settings;
        this.waitUntilServing = () => waitUntilServing(this);
    }

    public int Port { get; }

    /// <summary>Service settings, as <c>--Key=Value</c>, that point at this server.</summary>
    public IReadOnlyList<string> Settings { get; }

    /// <summary>A RabbitMQ broker from the tests' RabbitMQ image, with the default virtual host.</summary>
    public static Task<DedicatedContainer> StartRabbitMqAsync()
    {
        var port = FreeLoopbackPort();
        return StartAsync(
            new CreateContainerParameters
            {
                Image = TestSettings.RabbitMqImage,
                Env = [$"RABBITMQ_DEFAULT_USER={RabbitMqUser}", $"RABBITMQ_DEFAULT_PASS={RabbitMqPassword}"],
            },
            "5672/tcp",
            port,
            [
                "--RabbitMq:Host=127.0.0.1",
                $"--RabbitMq:Port={port}",
                "--RabbitMq:VirtualHost=/",
                $"--RabbitMq:Username={RabbitMqUser}",
                $"--RabbitMq:Password={RabbitMqPassword}",
            ],
            container => container.WaitForAsync(["rabbitmqctl", "await_startup"]));
    }

    /// <summary>
    /// A PostgreSQL 15 server from the workload image, which trusts every connection: it listens on a
    /// loopback port of this machine only and contains only one test's event store.
    /// </summary>
    public static Task<DedicatedContainer> StartPostgreSqlAsync()
    {
        var port = FreeLoopbackPort();
        var connectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=5";
        return StartAsync(
            new CreateContainerParameters
            {
                Image = TestSettings.WorkloadImage,
                User = "postgres",
                Entrypoint = ["sh", "-c"],
                Cmd =
                [
                    "grep -q '^host all all all trust' /etc/postgresql/15/main/pg_hba.conf || echo 'host all all all trust' >> /etc/postgresql/15/main/pg_hba.conf; " +
                    "exec postgres -D /var/lib/postgresql/15/main -c config_file=/etc/postgresql/15/main/postgresql.conf -c listen_addresses='*'",
                ],
            },
            "5432/tcp",
            port,
            [$"--ConnectionStrings:EventStore={connectionString}"],
            _ => WaitForPostgreSqlAsync(connectionString));
    }

    /// <summary>The connection string of a PostgreSQL container, from <see cref="Settings"/>.</summary>
    public string ConnectionString => Settings.Single(setting => setting.StartsWith("--ConnectionStrings:EventStore=", StringComparison.Ordinal))
        .Split('=', 2)[1];

    /// <summary>
    /// Stops the server (SIGTERM, then SIGKILL after 5 s), keeps it down for <paramref name="downtime"/>,
    /// starts it again on the same port and waits until it serves.
    /// </summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        await ShadowDocker.Client.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = 5 });
        await Task.Delay(downtime);
        await ShadowDocker.Client.Containers.StartContainerAsync(id, new ContainerStartParameters());
        await waitUntilServing();
    }

    public async ValueTask DisposeAsync() => await ShadowDocker.RemoveAsync(id);

    private static async Task<DedicatedContainer> StartAsync(
        CreateContainerParameters parameters, string containerPort, int port, IReadOnlyList<string> settings, Func<DedicatedContainer, Task> waitUntilServing)
    {
        parameters.Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["eventshadow.test"] = "true" };
        parameters.ExposedPorts = new Dictionary<string, EmptyStruct>(StringComparer.Ordinal) { [containerPort] = default };
        parameters.HostConfig = new HostConfig
        {
            PortBindings = new Dictionary<string, IList<PortBinding>>(StringComparer.Ordinal)
            {
                [containerPort] = [new PortBinding { HostIP = "127.0.0.1", HostPort = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }],
            },
        };

        var created = await ShadowDocker.Client.Containers.CreateContainerAsync(parameters);
        var container = new DedicatedContainer(created.ID, port, settings, waitUntilServing);
        try
        {
            await ShadowDocker.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
            await container.waitUntilServing();
            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    private async Task WaitForAsync(IReadOnlyList<string> command)
    {
        var deadline = DateTimeOffset.UtcNow + StartTimeout;
        var last = "";
        while (DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                var (exitCode, output) = await ShadowDocker.ExecAsync(id, command);
                if (exitCode == 0)
                {
                    return;
                }

                last = output;
            }
            catch (Exception ex) when (ex is OperationCanceledException or DockerApiException)
            {
                last = ex.Message;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"`{string.Join(' ', command)}` did not succeed in container {id[..12]} within {StartTimeout}: {last}");
    }

    private static async Task WaitForPostgreSqlAsync(string connectionString)
    {
        var deadline = DateTimeOffset.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
            {
                if (DateTimeOffset.UtcNow > deadline)
                {
                    throw new TimeoutException($"PostgreSQL at {connectionString} did not respond within {StartTimeout}: {ex.Message}", ex);
                }
            }

            await Task.Delay(500);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
