using System.Collections.Concurrent;
using JasperFx;
using Marten;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace EventShadow.Hosting;

/// <summary>
/// Appends a consumer's events to a negotiation's stream at most once per consumed message.
/// </summary>
/// <remarks>
/// Delivery is at least once, so the same message can arrive again after a crash or a retry. The
/// <see cref="ProcessedMessage"/> row and the events commit together: a second delivery either finds
/// the row and skips its work, or fails to insert it and appends nothing.
/// Appends that wait while another is written are committed together, in one transaction, like the
/// pool changes of the Negotiator: at hundreds of messages a second, one commit then serves many. When
/// such a group fails, each of its appends is written again on its own, so that a duplicate or a stale
/// version fails only its own message.
/// </remarks>
public sealed class NegotiationEventWriter(IDocumentStore store, ILogger<NegotiationEventWriter> logger) : IDisposable
{
    /// <summary>Appends committed together at most.</summary>
    private const int MaxGroup = 100;

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly ConcurrentQueue<PendingAppend> waiting = new();

    /// <summary>
    /// Returns whether <paramref name="consumer"/> already handled the message in <paramref name="context"/>.
    /// </summary>
    public async Task<bool> WasProcessedAsync(string consumer, ConsumeContext context)
    {
        if (context.MessageId is not { } messageId)
        {
            return false;
        }

        await using var session = store.QuerySession();
        var processed = await session.LoadAsync<ProcessedMessage>(ProcessedKey(consumer, messageId), context.CancellationToken);
        return processed is not null;
    }

    /// <summary>
    /// Appends <paramref name="events"/> to the stream of <paramref name="negotiationId"/> and marks the
    /// message as processed, in one transaction. Returns false, with nothing written, when the message
    /// was already processed.
    /// </summary>
    public Task<bool> AppendOnceAsync(string consumer, ConsumeContext context, Guid negotiationId, params object[] events) =>
        AppendOnceAsync(consumer, context, negotiationId, expectedVersion: null, events);

    /// <summary>
    /// Like <see cref="AppendOnceAsync(string, ConsumeContext, Guid, object[])"/>, but only while the
    /// stream is still at <paramref name="expectedVersion"/>, the version the consumer based its
    /// decision on. Otherwise Marten raises a concurrency error and nothing is written, so that a retry
    /// decides again on the current stream.
    /// </summary>
    public async Task<bool> AppendOnceAsync(
        string consumer, ConsumeContext context, Guid negotiationId, long? expectedVersion, params object[] events)
    {
        if (context.MessageId is null)
        {
            logger.LogWarning(
                "Message {MessageType} for negotiation {NegotiationId} has no message id, so a redelivery cannot be recognised",
                context.SupportedMessageTypes.FirstOrDefault(), negotiationId);
        }

        var append = new PendingAppend(consumer, context.MessageId, negotiationId, expectedVersion, events);
        waiting.Enqueue(append);

        await gate.WaitAsync(context.CancellationToken);
        try
        {
            while (!append.Done.Task.IsCompleted)
            {
                await WriteAsync(Take(), context.CancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }

        return await append.Done.Task;
    }

    private List<PendingAppend> Take()
    {
        var group = new List<PendingAppend>();
        while (group.Count < MaxGroup && waiting.TryDequeue(out var append))
        {
            group.Add(append);
        }

        return group;
    }

    private async Task WriteAsync(List<PendingAppend> group, CancellationToken cancellationToken)
    {
        if (group.Count > 1)
        {
            try
            {
                await CommitAsync(group, cancellationToken);
                foreach (var append in group)
                {
                    append.Done.TrySetResult(true);
                }

                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Nothing of the group was written, so each append is tried again on its own below.
                logger.LogDebug(ex, "A group of {Count} appends failed; writing each on its own", group.Count);
            }
        }

        foreach (var append in group)
        {
            try
            {
                await CommitAsync([append], cancellationToken);
                append.Done.TrySetResult(true);
            }
            catch (DocumentAlreadyExistsException)
            {
                logger.LogInformation(
                    "{Consumer} already processed message {MessageId} of negotiation {NegotiationId}; ignoring the duplicate",
                    append.Consumer, append.MessageId, append.NegotiationId);
                append.Done.TrySetResult(false);
            }
            catch (Exception ex)
            {
                append.Done.TrySetException(ex);
            }
        }
    }

    /// <summary>Writes every append of <paramref name="group"/> and its processed-message row in one transaction.</summary>
    private async Task CommitAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Appends wait for other appends to their streams rather than colliding with them (see EventStreamLock).
        // An append with an expected version then fails cleanly when the stream moved on. Without the lock,
        // its insert and a locked append's insert of the same version can deadlock.
        var locked = group.Where(append => append.Events.Count > 0).Select(append => append.NegotiationId).ToList();
        await EventStreamLock.LockAsync(store, connection, transaction, locked, cancellationToken);

        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false));
        foreach (var append in group)
        {
            Stage(session, append);
        }

        await session.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static void Stage(IDocumentSession session, PendingAppend append)
    {
        if (append.MessageId is { } messageId)
        {
            session.Insert(new ProcessedMessage(ProcessedKey(append.Consumer, messageId), append.NegotiationId, DateTimeOffset.UtcNow));
        }

        if (append.Events.Count == 0)
        {
            return;
        }

        if (append.ExpectedVersion is { } version)
        {
            session.Events.Append(append.NegotiationId, version + append.Events.Count, append.Events.ToArray());
        }
        else
        {
            session.Events.Append(append.NegotiationId, append.Events.ToArray());
        }
    }

    public void Dispose() => gate.Dispose();

    private static string ProcessedKey(string consumer, Guid messageId) => $"{consumer}:{messageId:N}";

    /// <summary>One consumer's append, waiting to be written.</summary>
    private sealed record PendingAppend(string Consumer, Guid? MessageId, Guid NegotiationId, long? ExpectedVersion, IReadOnlyList<object> Events)
    {
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
