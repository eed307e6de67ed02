using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.PoolManager;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EventShadow.IntegrationTests.PoolManager;

/// <summary>
/// A running PoolManager service on the test class's own schema and RabbitMQ virtual host, with a bus
/// to publish events as the relay does and a probe to read the negotiation streams.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "xunit disposes the fixture through IAsyncLifetime.DisposeAsync.")]
public sealed class PoolManagerServiceFixture : IAsyncLifetime
{
    public const string InstanceName = "pool-manager-service-tests";

    private TestServices? services;
    private WebApplication? app;
    private TestBus? bus;
    private EventStoreProbe? probe;

    internal TestBus Bus => bus ?? throw new InvalidOperationException("The fixture has not started.");

    internal EventStoreProbe Probe => probe ?? throw new InvalidOperationException("The fixture has not started.");

    internal ConsumedMessages Consumed { get; } = new();

    public async Task InitializeAsync()
    {
        services = await TestServices.CreateAsync();

        app = PoolManagerApplication.Build(services.ServiceArguments(
            $"--contentRoot={PoolManagerSettings.ContentRoot}",
            $"--Shadows:InstanceName={InstanceName}"));
        await app.StartAsync();
        app.Services.GetRequiredService<IBus>().ConnectConsumeObserver(Consumed);

        bus = await TestBus.StartAsync(services.RabbitMq);
        probe = new EventStoreProbe(services.Schema);
    }

    public async Task DisposeAsync()
    {
        if (bus is not null)
        {
            await bus.DisposeAsync();
        }

        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (probe is not null)
        {
            await probe.DisposeAsync();
        }

        if (services is not null)
        {
            await services.DisposeAsync();
        }
    }
}

/// <summary>
/// Counts the messages the service's consumers finished, by message id, so that a test can wait until
/// a redelivered message was handled.
/// </summary>
internal sealed class ConsumedMessages : IConsumeObserver
{
    private readonly ConcurrentDictionary<Guid, int> counts = new();

    public async Task WaitForAsync(Guid messageId, int times, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (counts.GetValueOrDefault(messageId) < times)
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Message {messageId} was consumed {counts.GetValueOrDefault(messageId)} times within {timeout}, expected {times}.");
            }

            await Task.Delay(100);
        }
    }

    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class
    {
        if (context.MessageId is { } messageId)
        {
            counts.AddOrUpdate(messageId, 1, (_, count) => count + 1);
        }

        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class => Task.CompletedTask;
}
