using EventShadow.Contracts;
using Marten;
using Marten.Events;

namespace EventShadow.PoolManager.Pools;

/// <summary>
/// Task arrivals per workload profile and minute, read from the event store for the demand forecast.
/// </summary>
/// <remarks>
/// An arrival is a negotiation that needs a shadow: its first <see cref="AllocationProposed"/>, which
/// carries the profile. A negotiation committed from trusted history proposes nothing and needs no
/// shadow, so it is no arrival. The first read covers the configured history; later reads take only
/// events with a higher sequence number. Minutes are whole minutes since the Unix epoch.
/// </remarks>
public sealed class ArrivalLog(IDocumentStore store)
{
    private readonly Dictionary<WorkloadProfile, SortedDictionary<long, int>> arrivals = [];
    private long lastSequence = -1;

    /// <summary>Reads the arrivals recorded since the last call, or since <paramref name="historyStart"/> on the first.</summary>
    public async Task RefreshAsync(DateTimeOffset historyStart, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var query = session.Events.QueryAllRawEvents().Where(@event => @event.EventTypesAre(typeof(AllocationProposed)));
        query = lastSequence < 0
            ? query.Where(@event => @event.Timestamp >= historyStart)
            : query.Where(@event => @event.Sequence > lastSequence);

        var events = await query.OrderBy(@event => @event.Sequence).ToListAsync(cancellationToken);
        foreach (var @event in events)
        {
            lastSequence = Math.Max(lastSequence, @event.Sequence);
            if (ArrivingProfile(@event.Data) is { } profile)
            {
                Add(profile, MinuteOf(@event.Timestamp));
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

    /// <summary>
    /// Returns the profile of the negotiation whose arrival <paramref name="data"/> is, or null when it is
    /// none: only the proposal of a negotiation's first attempt counts, as later attempts of the same
    /// negotiation follow from its trial rather than from demand.
    /// </summary>
    public static WorkloadProfile? ArrivingProfile(object data) =>
        data is AllocationProposed { Attempt: 1 } proposed ? proposed.Profile : null;

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
