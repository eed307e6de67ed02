using System.Collections.Concurrent;
using System.Diagnostics;
using EventShadow.Contracts;
using MassTransit;

namespace EventShadow.Throughput;

/// <summary>
/// How a negotiation ended, as its outcome event reached this process.
/// </summary>
/// <param name="ReceivedAt"><see cref="Stopwatch.GetTimestamp"/> when the event arrived.</param>
/// <param name="WithoutTrial">Committed from history, with no shadow trial.</param>
/// <param name="Attempts">Trials the negotiation ran.</param>
/// <param name="FailureReason">The reason of a failed negotiation; null when it committed.</param>
public sealed record NegotiationOutcome(long ReceivedAt, bool Committed, bool WithoutTrial, int Attempts, string? FailureReason);

/// <summary>
/// Receives every <see cref="AllocationCommitted"/> and <see cref="NegotiationFailed"/> on a temporary
/// queue of its own, the cheapest way to see a commit as soon as any other consumer can.
/// </summary>
/// <remarks>
/// An outcome can arrive before its negotiation's submission returned, so outcomes are kept by
/// negotiation id until <see cref="WaitAsync"/> takes them. Outcomes of negotiations this run did not
/// submit (other users of the system) are kept too, which costs memory only while the run lasts.
/// </remarks>
public sealed class OutcomeListener : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<NegotiationOutcome>> outcomes = new();
    private readonly IBusControl bus;

    private OutcomeListener(RabbitMqSettings settings)
    {
        bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(settings.Host, settings.Port, settings.VirtualHost, host =>
            {
                host.Username(settings.Username);
                host.Password(settings.Password);
            });

            // A queue of its own, deleted when the run ends, bound to both outcome events.
            rabbit.ReceiveEndpoint(endpoint =>
            {
                endpoint.PrefetchCount = 512;
                endpoint.Handler<AllocationCommitted>(context =>
                {
                    var commit = context.Message;
                    Complete(commit.NegotiationId, new NegotiationOutcome(Stopwatch.GetTimestamp(), true, commit.WithoutTrial, commit.Attempt, null));
                    return Task.CompletedTask;
                });
                endpoint.Handler<NegotiationFailed>(context =>
                {
                    var failure = context.Message;
                    Complete(failure.NegotiationId, new NegotiationOutcome(Stopwatch.GetTimestamp(), false, false, failure.Attempt, failure.Reason));
                    return Task.CompletedTask;
                });
            });
        });
    }

    public static async Task<OutcomeListener> StartAsync(RabbitMqSettings settings, CancellationToken cancellationToken)
    {
        var listener = new OutcomeListener(settings);
        await listener.bus.StartAsync(cancellationToken);
        return listener;
    }

    /// <summary>
    /// Waits for the outcome of <paramref name="negotiationId"/>; returns null when none arrives within <paramref name="timeout"/>.
    /// </summary>
    public async Task<NegotiationOutcome?> WaitAsync(Guid negotiationId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var outcome = outcomes.GetOrAdd(negotiationId, _ => NewOutcome());
        try
        {
            return await outcome.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            outcomes.TryRemove(negotiationId, out _);
        }
    }

    public async ValueTask DisposeAsync() => await bus.StopAsync();

    private void Complete(Guid negotiationId, NegotiationOutcome outcome) =>
        outcomes.GetOrAdd(negotiationId, _ => NewOutcome()).TrySetResult(outcome);

    private static TaskCompletionSource<NegotiationOutcome> NewOutcome() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
