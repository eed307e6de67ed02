using System.Security.Cryptography;
using System.Text;
using EventShadow.Contracts;
using MassTransit;

namespace EventShadow.Publisher;

/// <summary>Where the publisher reaches RabbitMQ.</summary>
public sealed record BrokerAddress(string Host, int Port, string VirtualHost, string Username, string Password);

/// <summary>How a negotiation ended: committed with an allocation, failed with a reason, or still running at the timeout.</summary>
public sealed record NegotiationOutcome(Guid NegotiationId, string Status, AllocationCommitted? Committed, NegotiationFailed? Failed);

/// <summary>
/// Publishes a definition as <see cref="SubmitPartialTask"/> and waits for the first task's outcome event,
/// <see cref="AllocationCommitted"/> or <see cref="NegotiationFailed"/>, on a temporary queue of its own.
/// </summary>
public sealed class ManifestPublisher : IAsyncDisposable
{
    private readonly IBusControl bus;
    private readonly OutcomeWaiters waiters;

    private ManifestPublisher(IBusControl bus, OutcomeWaiters waiters)
    {
        this.bus = bus;
        this.waiters = waiters;
    }

    /// <summary>Connects to RabbitMQ and binds a temporary, auto-deleted queue to the two outcome exchanges.</summary>
    public static async Task<ManifestPublisher> ConnectAsync(BrokerAddress broker, CancellationToken cancellationToken)
    {
        // MassTransit sends usage telemetry to its vendor unless it is disabled, and nothing here may leave the machine.
        Environment.SetEnvironmentVariable("MASSTRANSIT_USAGE_TELEMETRY", "false");

        var outcomes = new OutcomeWaiters();
        var control = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(broker.Host, (ushort)broker.Port, broker.VirtualHost, host =>
            {
                host.Username(broker.Username);
                host.Password(broker.Password);
            });
            rabbit.ReceiveEndpoint(new TemporaryEndpointDefinition(), endpoint =>
            {
                endpoint.Handler<AllocationCommitted>(context =>
                {
                    outcomes.Complete(new NegotiationOutcome(context.Message.NegotiationId, "Committed", context.Message, null));
                    return Task.CompletedTask;
                });
                endpoint.Handler<NegotiationFailed>(context =>
                {
                    outcomes.Complete(new NegotiationOutcome(context.Message.NegotiationId, "Failed", null, context.Message));
                    return Task.CompletedTask;
                });
            });
        });

        await control.StartAsync(cancellationToken);
        return new ManifestPublisher(control, outcomes);
    }

    /// <summary>
    /// Publishes <paramref name="definition"/> under <paramref name="negotiationId"/>, the idempotency key, and
    /// returns the outcome, or a <c>TimedOut</c> outcome when <paramref name="timeout"/> passes first.
    /// </summary>
    /// <remarks>
    /// The outcome queue exists before the message is published, so an outcome cannot be missed. A repeated
    /// key starts nothing new, so its waiter receives an outcome only if that negotiation ends after this call.
    /// </remarks>
    public async Task<NegotiationOutcome> SubmitAsync(Guid negotiationId, string definition, string sourceName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var outcome = waiters.Register(negotiationId);
        await bus.Publish(new SubmitPartialTask(negotiationId, definition, sourceName), cancellationToken);

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            return await outcome.WaitAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new NegotiationOutcome(negotiationId, "TimedOut", null, null);
        }
        finally
        {
            waiters.Forget(negotiationId);
        }
    }

    /// <summary>
    /// Turns an idempotency key into a negotiation id: a GUID is used as it is, any other text is hashed
    /// (SHA-256, first 16 bytes), so the same key always gives the same id.
    /// </summary>
    public static Guid IdFor(string key)
    {
        if (Guid.TryParse(key, out var id))
        {
            return id;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return new Guid(hash.AsSpan(0, 16));
    }

    public async ValueTask DisposeAsync() => await bus.StopAsync();

    /// <summary>Outcome tasks by negotiation id, completed by the outcome handlers.</summary>
    private sealed class OutcomeWaiters
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, TaskCompletionSource<NegotiationOutcome>> waiting = new();

        public Task<NegotiationOutcome> Register(Guid id) =>
            waiting.GetOrAdd(id, _ => new TaskCompletionSource<NegotiationOutcome>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public void Complete(NegotiationOutcome outcome)
        {
            if (waiting.TryGetValue(outcome.NegotiationId, out var source))
            {
                source.TrySetResult(outcome);
            }
        }

        public void Forget(Guid id) => waiting.TryRemove(id, out _);
    }
}
