using Marten;
using JasperFx;
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
/// </remarks>
public sealed class NegotiationEventWriter(IDocumentStore store, ILogger<NegotiationEventWriter> logger)
{
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
        // An append without an expected version waits for other appends to the stream rather than
        // colliding with them; see EventStreamLock.
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(context.CancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(context.CancellationToken);
        if (events.Length > 0 && expectedVersion is null)
        {
            await EventStreamLock.LockAsync(store, connection, transaction, [negotiationId], context.CancellationToken);
        }

        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false));

        if (context.MessageId is { } messageId)
        {
            session.Insert(new ProcessedMessage(ProcessedKey(consumer, messageId), negotiationId, DateTimeOffset.UtcNow));
        }
        else
        {
            logger.LogWarning(
                "Message {MessageType} for negotiation {NegotiationId} has no message id, so a redelivery cannot be recognised",
                context.SupportedMessageTypes.FirstOrDefault(), negotiationId);
        }

        if (events.Length > 0 && expectedVersion is { } version)
        {
            session.Events.Append(negotiationId, version + events.Length, events);
        }
        else if (events.Length > 0)
        {
            session.Events.Append(negotiationId, events);
        }

        try
        {
            await session.SaveChangesAsync(context.CancellationToken);
            await transaction.CommitAsync(context.CancellationToken);
            return true;
        }
        catch (DocumentAlreadyExistsException)
        {
            logger.LogInformation(
                "{Consumer} already processed message {MessageId} of negotiation {NegotiationId}; ignoring the duplicate",
                consumer, context.MessageId, negotiationId);
            return false;
        }
    }

    private static string ProcessedKey(string consumer, Guid messageId) => $"{consumer}:{messageId:N}";
}
