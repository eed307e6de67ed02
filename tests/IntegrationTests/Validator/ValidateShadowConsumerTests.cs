using System.Diagnostics.CodeAnalysis;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Validator;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EventShadow.IntegrationTests.Validator;

/// <summary>
/// The Validator service on a real broker and event store: a published <see cref="ShadowConfigured"/>
/// leads to a verdict in the negotiation's stream, once per message id.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "xunit 2 disposes test classes through IAsyncLifetime.DisposeAsync.")]
public sealed class ValidateShadowConsumerTests : IAsyncLifetime
{
    private readonly TestShadows shadows = new();
    private readonly ConsumedMessages consumed = new();
    private TestServices services = null!;
    private WebApplication app = null!;
    private TestBus bus = null!;
    private EventStoreProbe probe = null!;

    public async Task InitializeAsync()
    {
        services = await TestServices.CreateAsync();
        app = ValidatorApplication.Build(services.ServiceArguments(
            "--Validation:WatchSeconds=2", "--Validation:PollMilliseconds=100", "--Validation:MaxConcurrentValidations=2"));
        app.Services.GetRequiredService<IBus>().ConnectConsumeObserver(consumed);
        await app.StartAsync();

        bus = await TestBus.StartAsync(services.RabbitMq);
        probe = new EventStoreProbe(services.Schema);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await shadows.DisposeAsync();
            await bus.DisposeAsync();
            await app.StopAsync();
            await app.DisposeAsync();
            await probe.DisposeAsync();
        }
        finally
        {
            await services.DisposeAsync();
        }
    }

    [Fact]
    public async Task Redis_shadow_gets_ValidationPassed_once()
    {
        var configured = await shadows.StartAsync(
            new ResourceAllocation(500, 128),
            ["redis-server", "--save", "", "--appendonly", "no"],
            new ReadinessProbe(["redis-cli", "ping"], null));
        await probe.AppendAsync(configured.NegotiationId, configured);
        var messageId = Guid.NewGuid();

        await bus.PublishAsync(configured, messageId);
        var passed = await probe.WaitForEventAsync<ValidationPassed>(configured.NegotiationId, TimeSpan.FromSeconds(60));

        Assert.Equal(configured.Attempt, passed.Attempt);
        Assert.Equal(configured.ShadowId, passed.ShadowId);
        Assert.True(passed.Measurements.PeakMemoryMiB > 0);
        Assert.NotNull(passed.Measurements.TimeToReadySeconds);

        await bus.PublishAsync(configured, messageId);
        await consumed.WaitForAsync(messageId, deliveries: 2, TimeSpan.FromSeconds(30));

        var stream = await probe.ReadStreamAsync(configured.NegotiationId);
        Assert.Equal(2, stream.Count);
        Assert.IsType<ShadowConfigured>(stream[0]);
        Assert.IsType<ValidationPassed>(stream[1]);
    }

    [Fact]
    public void Concurrent_validations_follow_configuration()
    {
        var definition = app.Services.GetRequiredService<IConsumerDefinition<ValidateShadowConsumer>>();

        Assert.Equal(2, definition.ConcurrentMessageLimit);
    }

    /// <summary>
    /// Counts finished deliveries of <see cref="ShadowConfigured"/> per message id, so a test can wait
    /// until the service handled a redelivery.
    /// </summary>
    private sealed class ConsumedMessages : IConsumeObserver
    {
        private readonly Lock gate = new();
        private readonly Dictionary<Guid, int> deliveries = [];

        public Task PreConsume<T>(ConsumeContext<T> context)
            where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context)
            where T : class
        {
            Count(context);
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
            where T : class
        {
            Count(context);
            return Task.CompletedTask;
        }

        public async Task WaitForAsync(Guid messageId, int deliveries, TimeSpan timeout)
        {
            var deadline = DateTimeOffset.UtcNow + timeout;
            while (Deliveries(messageId) < deliveries)
            {
                if (DateTimeOffset.UtcNow > deadline)
                {
                    throw new TimeoutException($"Message {messageId} was consumed {Deliveries(messageId)} times within {timeout}, expected {deliveries}.");
                }

                await Task.Delay(100);
            }
        }

        private int Deliveries(Guid messageId)
        {
            lock (gate)
            {
                return deliveries.GetValueOrDefault(messageId);
            }
        }

        private void Count<T>(ConsumeContext<T> context)
            where T : class
        {
            if (context.Message is ShadowConfigured && context.MessageId is { } id)
            {
                lock (gate)
                {
                    deliveries[id] = deliveries.GetValueOrDefault(id) + 1;
                }
            }
        }
    }
}
