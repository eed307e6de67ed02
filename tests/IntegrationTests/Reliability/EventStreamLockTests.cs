using EventShadow.Contracts;
using EventShadow.Hosting;
using EventShadow.IntegrationTests.Infrastructure;
using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// Appends to one stream from concurrent transactions on the real PostgreSQL: with the stream's row
/// locked first, every append succeeds and the event sequence has no gap for the daemon to wait at.
/// </summary>
public sealed class EventStreamLockTests : IAsyncLifetime
{
    private const int Appenders = 20;

    private readonly EventStoreSchema schema = EventStoreSchema.CreateUnique();
    private DocumentStore store = null!;

    public async Task InitializeAsync()
    {
        store = DocumentStore.For(options =>
        {
            options.Connection(EventStoreSchema.ConnectionString);
            options.DatabaseSchemaName = schema.Name;
            options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            options.UseSystemTextJsonForSerialization(Weasel.Core.EnumStorage.AsString, Weasel.Core.Casing.CamelCase);
            options.Events.StreamIdentity = StreamIdentity.AsGuid;
            options.Events.AddEventTypes(NegotiationEvents.All);
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        store.Dispose();
        await schema.DisposeAsync();
    }

    [Fact]
    public async Task Locked_concurrent_appends_leave_no_gap()
    {
        var id = Guid.CreateVersion7();
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream(id, Released(id, "first"));
            await session.SaveChangesAsync();
        }

        await Task.WhenAll(Enumerable.Range(0, Appenders).Select(index => Task.Run(() => AppendLockedAsync(id, Released(id, $"append {index}")))));

        await using var query = store.QuerySession();
        var events = await query.Events.FetchStreamAsync(id);
        Assert.Equal(Appenders + 1, events.Count);
        Assert.Equal(Enumerable.Range(1, Appenders + 1).Select(version => (long)version), events.Select(@event => @event.Version));

        var sequences = await ReadSequencesAsync();
        Assert.Equal(Appenders + 1, sequences.Count);
        Assert.Equal(sequences[0] + Appenders, sequences[^1]);
    }

    private async Task AppendLockedAsync(Guid id, object @event)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await EventStreamLock.LockAsync(store, connection, transaction, [id], CancellationToken.None);

        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false));
        session.Events.Append(id, @event);
        await session.SaveChangesAsync();
        await transaction.CommitAsync();
    }

    /// <summary>Returns every event's sequence number in the schema, including numbers a failed append took, in order.</summary>
    private async Task<List<long>> ReadSequencesAsync()
    {
        await using var connection = new NpgsqlConnection(EventStoreSchema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT seq_id FROM {schema.Name}.mt_events UNION ALL SELECT last_value FROM {schema.Name}.mt_events_sequence ORDER BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var sequences = new List<long>();
        while (await reader.ReadAsync())
        {
            sequences.Add(reader.GetInt64(0));
        }

        // The sequence's last value repeats the last event's number unless a failed append took a later one.
        return sequences.Distinct().ToList();
    }

    private static AllocationReleased Released(Guid id, string reason) => new(id, "default", reason, DateTimeOffset.UtcNow);
}
