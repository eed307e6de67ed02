using System.Text.Json;
using System.Text.Json.Serialization;
using EventShadow.Contracts;
using Marten;
using Marten.Storage;
using Npgsql;

namespace EventShadow.Costs.Replay;

/// <summary>
/// Reads events of chosen types from the event store in sequence order, one page per query, without
/// Marten's session: a replay reads, deserializes and forgets, and never tracks or writes anything.
/// </summary>
/// <remarks>
/// It reads Marten's <c>mt_events</c> table (columns <c>seq_id</c>, <c>type</c>, <c>data</c> and
/// <c>timestamp</c>, as Marten 9 creates them) by keyset pagination on <c>seq_id</c>, its primary key.
/// Event type names come from the store's own mapping, and the JSON settings match the ones the
/// services store events with (camelCase, enums as strings).
/// </remarks>
public sealed class EventPageReader
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly DocumentStore store;
    private readonly Dictionary<string, Type> typesByName;
    private readonly string[] typeNames;
    private readonly string eventsTable;

    public EventPageReader(IDocumentStore store, IEnumerable<Type> eventTypes)
    {
        this.store = store as DocumentStore ?? throw new ArgumentException("A replay needs Marten's DocumentStore.", nameof(store));
        typesByName = eventTypes.ToDictionary(type => ((Marten.Events.EventGraph)this.store.Options.Events).EventMappingFor(type).EventTypeName, StringComparer.Ordinal);
        typeNames = typesByName.Keys.ToArray();
        eventsTable = $"{this.store.Options.Events.DatabaseSchemaName}.mt_events";
    }

    /// <summary>Returns the highest event sequence in the store, 0 when it has no events.</summary>
    public async Task<long> ReadLastSequenceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {eventsTable}", connection);
        var result = await command.ExecuteScalarAsync(cancellationToken);
        return Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Reads the events after <paramref name="afterSequence"/> up to <paramref name="lastSequence"/>,
    /// at most <paramref name="pageSize"/> of them, and hands each to <paramref name="handle"/> in order.
    /// Returns how many it read and the sequence of the last one, or <paramref name="lastSequence"/>
    /// when none is left.
    /// </summary>
    public async Task<(int Count, long Sequence)> ReadPageAsync(
        NpgsqlConnection connection,
        long afterSequence,
        long lastSequence,
        int pageSize,
        Action<long, object, DateTimeOffset> handle,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"select seq_id, type, data, timestamp from {eventsTable} " +
            "where seq_id > $1 and seq_id <= $2 and type = any($3) order by seq_id limit $4",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = afterSequence });
        command.Parameters.Add(new NpgsqlParameter { Value = lastSequence });
        command.Parameters.Add(new NpgsqlParameter { Value = typeNames });
        command.Parameters.Add(new NpgsqlParameter { Value = pageSize });

        var count = 0;
        var sequence = afterSequence;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                sequence = reader.GetInt64(0);
                var type = typesByName[reader.GetString(1)];
                var data = JsonSerializer.Deserialize(reader.GetString(2), type, Json)
                    ?? throw new InvalidDataException($"Event {sequence} of type {type.Name} has empty data.");
                handle(sequence, data, reader.GetFieldValue<DateTimeOffset>(3));
                count++;
            }
        }

        return (count, count < pageSize ? lastSequence : sequence);
    }

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = store.Storage.Database.CreateConnection(ConnectionUsage.Read);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>The event types a cost replay reads: the facts it prices and the submissions it counts.</summary>
    public static IReadOnlyList<Type> CostFacts { get; } =
    [
        typeof(PartialTaskSubmitted),
        typeof(RequirementsAnalyzed),
        typeof(AllocationProposed),
        typeof(ShadowClaimed),
        typeof(ValidationPassed),
        typeof(ValidationFailed),
        typeof(AllocationCommitted),
        typeof(ShadowReleased),
        typeof(WarmShadowIdled),
    ];
}
