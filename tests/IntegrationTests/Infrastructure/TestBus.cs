using MassTransit;

namespace EventShadow.IntegrationTests.Infrastructure;

/// <summary>
/// A bare MassTransit bus on a test's RabbitMQ virtual host, for publishing messages the way the
/// event relay does (with an explicit message id) and watching what services publish.
/// </summary>
public sealed class TestBus : IAsyncDisposable
{
    private readonly IBusControl bus;

    private TestBus(IBusControl bus) => this.bus = bus;

    /// <summary>
    /// Starts a bus on <paramref name="endpoint"/>. <paramref name="receive"/> adds receive endpoints,
    /// for a test that watches what the services publish.
    /// </summary>
    public static async Task<TestBus> StartAsync(RabbitMqEndpoint endpoint, Action<IRabbitMqBusFactoryConfigurator>? receive = null)
    {
        var control = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(endpoint.Host, (ushort)endpoint.Port, endpoint.VirtualHost, host =>
            {
                host.Username(endpoint.Username);
                host.Password(endpoint.Password);
            });
            receive?.Invoke(rabbit);
        });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await control.StartAsync(timeout.Token);
        return new TestBus(control);
    }

    /// <summary>
    /// Publishes <paramref name="message"/> with <paramref name="messageId"/>, as the relay publishes
    /// an event with its event id. Publishing twice with one id simulates a redelivery.
    /// </summary>
    public Task PublishAsync<T>(T message, Guid messageId)
        where T : class
    {
        return bus.Publish(message, context => context.MessageId = messageId);
    }

    public async ValueTask DisposeAsync() => await bus.StopAsync();
}
