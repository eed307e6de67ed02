using System.Security.Cryptography;
using System.Text;
using EventShadow.Contracts;
using Marten;
using Marten.Events;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager.Pools;

/// <summary>
/// The event streams of the warm pools: one per PoolManager pool and workload profile.
/// </summary>
public sealed class ShadowPoolJournal(IDocumentStore store, IOptions<ShadowOptions> options)
{
    /// <summary>Returns the id of a pool's stream: a name-based UUID, the same for every PoolManager and restart.</summary>
    public static Guid StreamId(string pool, WorkloadProfile profile)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"eventshadow-shadow-pool:{pool}:{profile}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>Appends <paramref name="events"/> to the stream of <paramref name="profile"/>'s pool.</summary>
    public async Task AppendAsync(WorkloadProfile profile, CancellationToken cancellationToken, params object[] events)
    {
        if (events.Length == 0)
        {
            return;
        }

        await using var session = store.LightweightSession();
        session.Events.Append(StreamId(options.Value.Pool, profile), events);
        await session.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Returns the claims recorded for <paramref name="profile"/>'s pool since <paramref name="since"/>.</summary>
    public async Task<IReadOnlyList<ShadowPoolClaimed>> ClaimsSinceAsync(
        WorkloadProfile profile, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var streamId = StreamId(options.Value.Pool, profile);
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents()
            .Where(@event => @event.StreamId == streamId && @event.Timestamp >= since && @event.EventTypesAre(typeof(ShadowPoolClaimed)))
            .ToListAsync(cancellationToken);
        return events.Select(@event => @event.Data).OfType<ShadowPoolClaimed>().ToList();
    }
}
