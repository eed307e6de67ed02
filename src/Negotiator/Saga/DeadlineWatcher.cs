using EventShadow.Contracts;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace EventShadow.Negotiator.Saga;

/// <summary>
/// Publishes <see cref="NegotiationDeadlinePassed"/> for every open negotiation whose deadline, or
/// whose current attempt's deadline, has passed.
/// </summary>
/// <remarks>
/// Deadlines live in the saga state in PostgreSQL, so they survive a restart of any Negotiator; this
/// timer only finds the due ones. No scheduler is available here (no RabbitMQ delayed-message plugin,
/// no Quartz), which is why a query on the saga documents takes its place. With several Negotiators
/// each publishes; the saga ignores the repeats.
/// </remarks>
public sealed class DeadlineWatcher(
    IDocumentStore store,
    IBus bus,
    IOptions<NegotiationOptions> options,
    TimeProvider clock,
    ILogger<DeadlineWatcher> logger) : BackgroundService
{
    private const int MaxPerCheck = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.DeadlineCheckSeconds);
        using var timer = new PeriodicTimer(interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PublishPassedDeadlinesAsync(stoppingToken);
            }
            // Any failure (PostgreSQL restarting, which Marten reports as MartenCommandException, or the
            // broker away) is retried at the next tick: an exception escaping here would stop the host,
            // and with it the saga.
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Checking negotiation deadlines failed: {Error}; trying again in {Interval}", ex.Message, interval);
            }
        }
    }

    /// <summary>
    /// Publishes one message per open negotiation past a deadline and returns how many were published.
    /// </summary>
    public async Task<int> PublishPassedDeadlinesAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        IReadOnlyList<NegotiationState> due;
        await using (var session = store.QuerySession())
        {
            due = await session.Query<NegotiationState>()
                .Where(state => state.EndedAt == null && state.NextDeadlineAt != null && state.NextDeadlineAt <= now)
                .OrderBy(state => state.NextDeadlineAt)
                .Take(MaxPerCheck)
                .ToListAsync(cancellationToken);
        }

        foreach (var state in due)
        {
            logger.LogInformation(
                "Negotiation {NegotiationId} passed its deadline of {DeadlineAt} at attempt {Attempt}",
                state.CorrelationId, state.NextDeadlineAt, state.Attempt);
            await bus.Publish(new NegotiationDeadlinePassed(state.CorrelationId, state.Attempt, state.NextDeadlineAt!.Value), cancellationToken);
        }

        return due.Count;
    }
}
