using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.PoolManager.Pools;
using JasperFx.Events;
using Marten;

namespace EventShadow.IntegrationTests.PoolManager;

/// <summary>
/// Reads the warm pools' event streams of a test's event store.
/// </summary>
internal sealed class PoolStreams : IAsyncDisposable
{
    private readonly DocumentStore store;

    public PoolStreams(EventStoreSchema schema)
    {
        store = DocumentStore.For(options =>
        {
            options.Connection(EventStoreSchema.ConnectionString);
            options.DatabaseSchemaName = schema.Name;
            options.UseSystemTextJsonForSerialization(Weasel.Core.EnumStorage.AsString, Weasel.Core.Casing.CamelCase);
            options.Events.StreamIdentity = StreamIdentity.AsGuid;
            options.Events.AddEventTypes(NegotiationEvents.All);
            options.Events.AddEventTypes(ShadowPoolEvents.All);
        });
    }

    public IDocumentStore Store => store;

    public async Task<IReadOnlyList<object>> ReadAsync(string pool, WorkloadProfile profile)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(ShadowPoolJournal.StreamId(pool, profile));
        return events.Select(@event => @event.Data).ToList();
    }

    /// <summary>Polls the pool's stream until it contains an event <typeparamref name="T"/> that matches, and returns it.</summary>
    public async Task<T> WaitForAsync<T>(string pool, WorkloadProfile profile, TimeSpan timeout, Func<T, bool>? match = null)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        IReadOnlyList<object> events = [];
        while (DateTimeOffset.UtcNow < deadline)
        {
            events = await ReadAsync(pool, profile);
            if (events.OfType<T>().FirstOrDefault(@event => match?.Invoke(@event) ?? true) is { } found)
            {
                return found;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException(
            $"Pool {pool}/{profile} recorded no matching {typeof(T).Name} within {timeout}; it holds: [{string.Join(", ", events.Select(@event => @event.GetType().Name))}]");
    }

    public ValueTask DisposeAsync()
    {
        store.Dispose();
        return ValueTask.CompletedTask;
    }
}
