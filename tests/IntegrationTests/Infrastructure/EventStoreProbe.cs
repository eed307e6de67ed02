using JasperFx.Events;
using Marten;

namespace EventShadow.IntegrationTests.Infrastructure;

/// <summary>
/// Reads a test's event store directly, to append events as another service would and to wait
/// until a negotiation's stream contains what a test expects.
/// </summary>
public sealed class EventStoreProbe : IAsyncDisposable
{
    private readonly DocumentStore store;

    public EventStoreProbe(EventStoreSchema schema)
        : this(EventStoreSchema.ConnectionString, schema.Name)
    {
    }

    /// <summary>Reads the event store in <paramref name="schemaName"/> of another PostgreSQL server.</summary>
    public EventStoreProbe(string connectionString, string schemaName)
    {
        store = DocumentStore.For(options =>
        {
            options.Connection(connectionString);
            options.DatabaseSchemaName = schemaName;
            options.UseSystemTextJsonForSerialization(Weasel.Core.EnumStorage.AsString, Weasel.Core.Casing.CamelCase);
            options.Events.StreamIdentity = StreamIdentity.AsGuid;
            options.Events.AddEventTypes(EventShadow.Contracts.NegotiationEvents.All);
        });
    }

    public IDocumentStore Store => store;

    public async Task<IReadOnlyList<object>> ReadStreamAsync(Guid negotiationId)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(negotiationId);
        return events.Select(@event => @event.Data).ToList();
    }

    public async Task AppendAsync(Guid negotiationId, params object[] events)
    {
        await using var session = store.LightweightSession();
        session.Events.Append(negotiationId, events);
        await session.SaveChangesAsync();
    }

    /// <summary>
    /// Polls the stream until <paramref name="condition"/> holds, and returns its events. Fails with
    /// the events seen so far when <paramref name="timeout"/> passes first.
    /// </summary>
    public async Task<IReadOnlyList<object>> WaitForAsync(
        Guid negotiationId, Func<IReadOnlyList<object>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        IReadOnlyList<object> events = [];
        while (DateTimeOffset.UtcNow < deadline)
        {
            events = await ReadStreamAsync(negotiationId);
            if (condition(events))
            {
                return events;
            }

            await Task.Delay(200);
        }

        var seen = string.Join(", ", events.Select(@event => @event.GetType().Name));
        throw new TimeoutException($"Negotiation {negotiationId} did not reach the expected state within {timeout}; its stream holds: [{seen}]");
    }

    public async Task<T> WaitForEventAsync<T>(Guid negotiationId, TimeSpan timeout, Func<T, bool>? match = null)
    {
        var events = await WaitForAsync(negotiationId, all => all.OfType<T>().Any(e => match?.Invoke(e) ?? true), timeout);
        return events.OfType<T>().First(e => match?.Invoke(e) ?? true);
    }

    public ValueTask DisposeAsync()
    {
        store.Dispose();
        return ValueTask.CompletedTask;
    }
}
