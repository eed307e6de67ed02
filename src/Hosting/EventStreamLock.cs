using Marten;
using Npgsql;

namespace EventShadow.Hosting;

/// <summary>
/// Row locks on event streams, which make appends to one stream from different transactions wait for
/// each other instead of colliding.
/// </summary>
/// <remarks>
/// Marten 9's append (<c>mt_quick_append_events</c>) reads the stream's version without a lock, so two
/// transactions appending to one stream at once both pick the next version, and the later insert fails
/// on <c>pk_mt_events_stream_and_version</c>. The failed transaction has already taken sequence numbers,
/// so it leaves a gap in the event sequence, and the async daemon waits at every gap
/// (<c>EventStore:StaleSequenceMilliseconds</c>) before it moves on. Appenders that lock the stream's
/// <c>mt_streams</c> row first run one after the other, and each reads the version the previous one committed.
/// </remarks>
public static class EventStreamLock
{
    /// <summary>
    /// Locks the <c>mt_streams</c> rows of <paramref name="streamIds"/> until <paramref name="transaction"/>
    /// ends. Rows are locked in id order, so two callers of this method that lock several streams take
    /// them in the same order. A stream that does not exist yet has no row and is not locked.
    /// </summary>
    public static async Task LockAsync(
        IDocumentStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<Guid> streamIds,
        CancellationToken cancellationToken)
    {
        if (streamIds.Count == 0)
        {
            return;
        }

        var schema = store.Options.Events.DatabaseSchemaName;
        await using var command = new NpgsqlCommand(
            $"SELECT id FROM {schema}.mt_streams WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("ids", streamIds.Distinct().ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // Reading the rows is what takes their locks.
        }
    }

    /// <summary>
    /// Opens <paramref name="session"/>'s transaction and locks the <c>mt_streams</c> row of
    /// <paramref name="streamId"/> in it, until the session's next <c>SaveChangesAsync</c> commits.
    /// </summary>
    public static async Task LockAsync(IDocumentSession session, Guid streamId, CancellationToken cancellationToken)
    {
        await session.BeginTransactionAsync(cancellationToken);
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        await session.QueryAsync<int>($"select 1 from {schema}.mt_streams where id = ? for update", cancellationToken, streamId);
    }
}
