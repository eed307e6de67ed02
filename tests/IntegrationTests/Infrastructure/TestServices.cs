namespace EventShadow.IntegrationTests.Infrastructure;

/// <summary>
/// The real infrastructure one test class runs against: its own event store schema and RabbitMQ
/// virtual host. Services started for the class get command-line settings that point at them.
/// </summary>
public sealed class TestServices : IAsyncDisposable
{
    private TestServices(EventStoreSchema schema, RabbitMqEndpoint rabbitMq)
    {
        Schema = schema;
        RabbitMq = rabbitMq;
    }

    public EventStoreSchema Schema { get; }

    public RabbitMqEndpoint RabbitMq { get; }

    public static async Task<TestServices> CreateAsync()
    {
        var rabbitMq = await RabbitMqBroker.CreateVirtualHostAsync();
        return new TestServices(EventStoreSchema.CreateUnique(), rabbitMq);
    }

    /// <summary>
    /// Command-line arguments for a service's <c>Build(args)</c>: event store, broker, Docker engine
    /// and a free loopback port, followed by <paramref name="extra"/> settings (<c>--Key=Value</c>).
    /// </summary>
    public string[] ServiceArguments(params string[] extra) =>
    [
        $"--ConnectionStrings:EventStore={EventStoreSchema.ConnectionString}",
        $"--EventStore:Schema={Schema.Name}",
        $"--RabbitMq:Host={RabbitMq.Host}",
        $"--RabbitMq:Port={RabbitMq.Port}",
        $"--RabbitMq:VirtualHost={RabbitMq.VirtualHost}",
        $"--RabbitMq:Username={RabbitMq.Username}",
        $"--RabbitMq:Password={RabbitMq.Password}",
        $"--Docker:Endpoint={TestSettings.DockerEndpoint}",
        $"--Shadows:WorkloadImage={TestSettings.WorkloadImage}",
        "--urls=http://127.0.0.1:0",
        "--Serilog:MinimumLevel:Default=Warning",
        .. extra,
    ];

    public ValueTask DisposeAsync() => Schema.DisposeAsync();
}
