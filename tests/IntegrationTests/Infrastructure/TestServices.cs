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

    /// <summary>API key with the <c>read</c> and <c>submit</c> scopes, made up for this test run.</summary>
    public static string ApiKey { get; } = NewKey();

    /// <summary>API key with the <c>read</c> scope only.</summary>
    public static string ReadOnlyApiKey { get; } = NewKey();

    /// <summary>Returns an HTTP client for a service at <paramref name="address"/> that sends <paramref name="key"/> (default <see cref="ApiKey"/>).</summary>
    public static HttpClient CreateApiClient(string address, TimeSpan? timeout = null, string? key = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key ?? ApiKey);
        return client;
    }

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
        "--Api:Keys:0:Name=tests",
        $"--Api:Keys:0:Key={ApiKey}",
        "--Api:Keys:0:Scopes:0=read",
        "--Api:Keys:0:Scopes:1=submit",
        "--Api:Keys:1:Name=tests-read-only",
        $"--Api:Keys:1:Key={ReadOnlyApiKey}",
        "--Api:Keys:1:Scopes:0=read",
        .. extra,
    ];

    public ValueTask DisposeAsync() => Schema.DisposeAsync();

    private static string NewKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
}
