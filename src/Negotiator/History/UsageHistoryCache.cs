using System.Collections.Concurrent;
using EventShadow.Contracts;
using Marten;

namespace EventShadow.Negotiator.History;

/// <summary>
/// Usage history of a workload and its profile, read once and shared for a short time by the first
/// proposals of that workload.
/// </summary>
/// <remarks>
/// A workload negotiated many times a second would otherwise read, and deserialize, the same two
/// documents of up to <see cref="WorkloadUsage.MaxSamples"/> trials each for every negotiation.
/// Concurrent callers share one read. A failed or cancelled read is not reused.
/// The returned documents are shared, so callers must not change them.
/// </remarks>
public sealed class UsageHistoryCache(Func<IDocumentStore> store, TimeProvider clock)
{
    /// <summary>Entries above which expired ones are removed when a new one is added.</summary>
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>
    /// Returns the usage history of <paramref name="workloadKey"/> and of <paramref name="profile"/>, read
    /// at most <paramref name="maxAgeMilliseconds"/> ago; 0 always reads it.
    /// </summary>
    public async Task<(WorkloadUsage? Workload, WorkloadUsage? Profile)> LoadAsync(
        string workloadKey, WorkloadProfile profile, int maxAgeMilliseconds, CancellationToken cancellationToken)
    {
        if (maxAgeMilliseconds <= 0)
        {
            return await LoadFromStoreAsync(store(), workloadKey, profile, cancellationToken);
        }

        var key = $"{workloadKey}|{profile}";
        var now = clock.GetUtcNow();
        var maxAge = TimeSpan.FromMilliseconds(maxAgeMilliseconds);
        if (entries.TryGetValue(key, out var cached) && now - cached.ReadAt < maxAge && !cached.Read.IsFaulted && !cached.Read.IsCanceled)
        {
            return await cached.Read;
        }

        var entry = new Entry(LoadFromStoreAsync(store(), workloadKey, profile, cancellationToken), now);
        entries[key] = entry;
        if (entries.Count > PruneAbove)
        {
            foreach (var (staleKey, stale) in entries.Where(pair => now - pair.Value.ReadAt >= maxAge).ToList())
            {
                entries.TryRemove(new KeyValuePair<string, Entry>(staleKey, stale));
            }
        }

        return await entry.Read;
    }

    /// <summary>
    /// Drops what was read for <paramref name="workloadKey"/>, as a trial of it was just recorded: the
    /// next proposal reads the history again rather than one read before that trial.
    /// </summary>
    public void Forget(string workloadKey, WorkloadProfile profile) => entries.TryRemove($"{workloadKey}|{profile}", out _);

    /// <summary>Reads the usage history of a workload and of its profile in one query.</summary>
    public static async Task<(WorkloadUsage? Workload, WorkloadUsage? Profile)> LoadFromStoreAsync(
        IDocumentStore store, string workloadKey, WorkloadProfile profile, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var profileKey = WorkloadKeys.ForProfile(profile);
        var usage = await session.LoadManyAsync<WorkloadUsage>(cancellationToken, workloadKey, profileKey);
        return (usage.FirstOrDefault(entry => entry.Id == workloadKey), usage.FirstOrDefault(entry => entry.Id == profileKey));
    }

    private sealed record Entry(Task<(WorkloadUsage? Workload, WorkloadUsage? Profile)> Read, DateTimeOffset ReadAt);
}
