using EventShadow.Contracts;
using Marten;
using Marten.Events;

namespace EventShadow.PoolManager.Pools;

/// <summary>
/// Task arrivals per workload profile and minute, read from the event store for the demand forecast.
/// </summary>
/// <remarks>
/// An arrival is a <see cref="RequirementsAnalyzed"/> event: the Negotiator appends it with
/// <see cref="PartialTaskSubmitted"/> in the transaction that opens the negotiation, and it carries the
/// profile. The first read covers the configured history; later reads take only events with a higher
/// sequence number. Minutes are whole minutes since the Unix epoch.
/// </remarks>
public sealed class ArrivalLog(IDocumentStore store)
{
    private readonly Dictionary<WorkloadProfile, SortedDictionary<long, int>> arrivals = [];
    private long lastSequence = -1;

    /// <summary>Reads the arrivals recorded since the last call, or since <paramref name="historyStart"/> on the first.</summary>
    public async Task RefreshAsync(DateTimeOffset historyStart, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var query = session.Events.QueryAllRawEvents().Where(@event => @event.EventTypesAre(typeof(RequirementsAnalyzed)));
        query = lastSequence < 0
            ? query.Where(@event => @event.Timestamp >= historyStart)
            : query.Where(@event => @event.Sequence > lastSequence);

        var events = await query.OrderBy(@event => @event.Sequence).ToListAsync(cancellationToken);
        foreach (var @event in events)
        {
            lastSequence = Math.Max(lastSequence, @event.Sequence);
            if (@event.Data is RequirementsAnalyzed analyzed)
            {
                Add(analyzed.Profile, MinuteOf(@event.Timestamp));
            }
        }

        if (lastSequence < 0)
        {
            // Nothing in the history window: later reads start from the store's current end.
            lastSequence = await session.Events.QueryAllRawEvents().Select(@event => @event.Sequence).OrderByDescending(sequence => sequence).FirstOrDefaultAsync(cancellationToken);
        }
    }

    /// <summary>Returns the arrivals of <paramref name="profile"/> by minute, oldest first.</summary>
    public IReadOnlyList<KeyValuePair<long, int>> MinutesOf(WorkloadProfile profile) =>
        arrivals.TryGetValue(profile, out var minutes) ? [.. minutes] : [];

    /// <summary>Forgets minutes before <paramref name="minute"/>.</summary>
    public void Forget(long minute)
    {
        foreach (var minutes in arrivals.Values)
        {
            foreach (var old in minutes.Keys.TakeWhile(key => key < minute).ToList())
            {
                minutes.Remove(old);
            }
        }
    }

    /// <summary>Returns the whole minutes since the Unix epoch at <paramref name="time"/>.</summary>
    public static long MinuteOf(DateTimeOffset time) => time.ToUnixTimeSeconds() / 60;

    private void Add(WorkloadProfile profile, long minute)
    {
        if (!arrivals.TryGetValue(profile, out var minutes))
        {
            minutes = [];
            arrivals[profile] = minutes;
        }

        minutes[minute] = minutes.GetValueOrDefault(minute) + 1;
    }
}
