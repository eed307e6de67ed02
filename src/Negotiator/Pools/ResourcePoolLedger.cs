using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using EventShadow.Contracts;
using EventShadow.Hosting;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventShadow.Negotiator.Pools;

/// <summary>
/// A negotiation's request for capacity in a resource pool for one attempt.
/// </summary>
public sealed record LeaseRequest(Guid NegotiationId, int Attempt, ResourceAllocation Allocation, int Gpus);

/// <summary>
/// Outcome of a lease request: the pool that granted it, or why none could.
/// </summary>
/// <param name="Pool">Pool holding the lease; null when rejected.</param>
/// <param name="Rejection">Why no pool had room and what would fit; null when granted.</param>
public sealed record LeaseOutcome(string? Pool, DateTimeOffset? ExpiresAt, string? Rejection)
{
    public bool Granted => Pool is not null;
}

/// <summary>
/// Free capacity of one pool at a moment, for <c>GET /pools</c> and for rejections.
/// </summary>
public sealed record PoolStatus(string Pool, PoolUsage Capacity, PoolUsage Committed, PoolUsage Leased, PoolUsage Free, int Negotiations);

/// <summary>
/// Leases pool capacity to negotiations. Each pool is one event stream; every change to it runs in a
/// transaction that first takes a PostgreSQL advisory lock for that pool, so concurrent requests,
/// from any number of Negotiator instances, are applied one at a time and committed plus leased
/// capacity never exceeds the pool's size.
/// </summary>
public sealed class ResourcePoolLedger(
    IDocumentStore store,
    IOptionsMonitor<ResourcePoolOptions> options,
    TimeProvider clock,
    ILogger<ResourcePoolLedger> logger)
{
    /// <summary>Transactions a batch of pool changes gets when PostgreSQL ends the earlier ones to break a deadlock.</summary>
    private const int MaxBatchAttempts = 3;

    /// <summary>The result of a change that released a lease.</summary>
    private static readonly object Released = new();

    private readonly ConcurrentDictionary<string, PoolChangeQueue> queues = new(StringComparer.Ordinal);

    /// <summary>
    /// Leases capacity for the request in the first pool, in configured order, that has room. A
    /// negotiation's newer lease replaces its older one; repeating a request that already holds
    /// changes nothing, so a redelivered message is harmless.
    /// </summary>
    public Task<LeaseOutcome> LeaseAsync(LeaseRequest request, CancellationToken cancellationToken) =>
        LeaseInFirstPoolAsync(request, commit: false, cancellationToken);

    /// <summary>
    /// Leases and commits capacity for the request in one change of the first pool that has room, for
    /// an allocation committed without a trial. Repeating it changes nothing.
    /// </summary>
    public Task<LeaseOutcome> LeaseCommittedAsync(LeaseRequest request, CancellationToken cancellationToken) =>
        LeaseInFirstPoolAsync(request, commit: true, cancellationToken);

    /// <summary>
    /// Like <see cref="LeaseCommittedAsync(LeaseRequest, CancellationToken)"/>, and writes what <paramref name="negotiationEvents"/> returns
    /// for the granted lease in the transaction that takes it, so that the commit and the capacity it
    /// holds are stored together or not at all. A repeated request that finds its lease already held
    /// writes nothing and does not call <paramref name="negotiationEvents"/>.
    /// </summary>
    public Task<LeaseOutcome> LeaseCommittedAsync(
        LeaseRequest request, Func<LeaseOutcome, NegotiationAppend> negotiationEvents, CancellationToken cancellationToken) =>
        LeaseInFirstPoolAsync(request, commit: true, cancellationToken, negotiationEvents);

    private async Task<LeaseOutcome> LeaseInFirstPoolAsync(
        LeaseRequest request, bool commit, CancellationToken cancellationToken, Func<LeaseOutcome, NegotiationAppend>? negotiationEvents = null)
    {
        var settings = options.CurrentValue;
        var need = new PoolUsage(request.Allocation.CpuMillicores, request.Allocation.MemoryMiB, request.Gpus);
        var free = new List<(ResourcePoolSettings Pool, PoolUsage Free)>();

        foreach (var pool in settings.Pools)
        {
            var repeated = false;
            var outcome = await ChangePoolAsync(pool.Name, (capacity, now) =>
            {
                if (capacity.Leases.TryGetValue(request.NegotiationId, out var held) &&
                    held.Attempt == request.Attempt && held.Allocation == request.Allocation && held.HoldsAt(now) &&
                    (held.Committed || !commit))
                {
                    repeated = true;
                    return ([], new LeaseOutcome(pool.Name, held.ExpiresAt, null));
                }

                var available = PoolUsage.Of(pool) - capacity.InUse(now, except: request.NegotiationId);
                if (!available.Covers(need))
                {
                    // A batch decided again after a deadlock reports each pool once.
                    free.RemoveAll(entry => entry.Pool.Name == pool.Name);
                    free.Add((pool, available));
                    return ([], null);
                }

                var expiresAt = now.AddSeconds(settings.LeaseSeconds);
                var leased = new CapacityLeased(pool.Name, request.NegotiationId, request.Attempt, request.Allocation, request.Gpus, expiresAt);
                object[] events = commit ? [leased, new LeaseCommitted(pool.Name, request.NegotiationId, request.Attempt, null)] : [leased];
                return (events, new LeaseOutcome(pool.Name, expiresAt, null));
            }, cancellationToken, negotiationEvents is null ? null : outcome => NewLeaseEvents(outcome, repeated, negotiationEvents));

            if (outcome is not null)
            {
                return outcome;
            }
        }

        var rejection = DescribeRejection(need, free);
        // The caller decides whether this is a failure, and the saga logs each failure with this reason.
        logger.LogDebug("No pool has room for negotiation {NegotiationId} attempt {Attempt}: {Rejection}", request.NegotiationId, request.Attempt, rejection);
        return new LeaseOutcome(null, null, rejection);
    }

    /// <summary>
    /// Makes the negotiation's lease in <paramref name="pool"/> permanent until released.
    /// </summary>
    /// <param name="allocation">The committed allocation, which may be smaller than the leased one.</param>
    public Task CommitAsync(string pool, Guid negotiationId, int attempt, ResourceAllocation allocation, CancellationToken cancellationToken) =>
        ChangePoolAsync<object>(pool, (capacity, _) =>
            capacity.Leases.TryGetValue(negotiationId, out var lease) && !lease.Committed
                ? ([new LeaseCommitted(pool, negotiationId, attempt, allocation == lease.Allocation ? null : allocation)], null)
                : ([], null),
            cancellationToken);

    /// <summary>
    /// Returns the negotiation's capacity in <paramref name="pool"/>, if it holds any.
    /// </summary>
    public Task ReleaseAsync(string pool, Guid negotiationId, string reason, CancellationToken cancellationToken) =>
        ChangePoolAsync<object>(pool, (capacity, _) =>
            capacity.Leases.ContainsKey(negotiationId)
                ? ([new LeaseReleased(pool, negotiationId, reason)], null)
                : ([], null),
            cancellationToken);

    /// <summary>
    /// Returns the events to write with a lease that <paramref name="outcome"/> granted, or null when no
    /// pool granted it or the request repeated a lease already held, which writes nothing.
    /// </summary>
    private static NegotiationAppend? NewLeaseEvents(
        LeaseOutcome? outcome, bool repeated, Func<LeaseOutcome, NegotiationAppend> negotiationEvents)
    {
        if (outcome is null || repeated)
        {
            return null;
        }

        return negotiationEvents(outcome);
    }

    /// <summary>
    /// Returns a committed negotiation's capacity to its pool and appends <paramref name="released"/> to the
    /// negotiation's stream, in the transaction that changes the pool. Returns false, with nothing written,
    /// when the negotiation holds no capacity there because an earlier release took it.
    /// </summary>
    /// <remarks>
    /// The pool's lock orders concurrent releases of one negotiation, so exactly one of them records
    /// <see cref="AllocationReleased"/>. The append states no expected version and locks the stream
    /// (<see cref="EventStreamLock"/>), so it and another service's append to the stream (the
    /// CostLedger's pricing of the commit) run one after the other. Otherwise one of them would fail
    /// and leave a gap in the event sequence, at which every projection and the relay wait
    /// (<c>EventStore:StaleSequenceMilliseconds</c>).
    /// </remarks>
    public async Task<bool> ReleaseCommittedAsync(AllocationReleased released, CancellationToken cancellationToken)
    {
        var outcome = await ChangePoolAsync<object>(
            released.Pool,
            (capacity, _) => capacity.Leases.ContainsKey(released.NegotiationId)
                ? ([new LeaseReleased(released.Pool, released.NegotiationId, released.Reason)], Released)
                : ([], null),
            cancellationToken,
            result => result is null ? null : new NegotiationAppend(released.NegotiationId, [released]));
        return outcome is not null;
    }

    /// <summary>
    /// Returns every configured pool's capacity, committed and leased use, and free capacity now.
    /// </summary>
    public async Task<IReadOnlyList<PoolStatus>> DescribeAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var session = store.QuerySession();
        var statuses = new List<PoolStatus>();
        foreach (var pool in options.CurrentValue.Pools)
        {
            var capacity = await session.LoadAsync<PoolCapacity>(StreamId(pool.Name), cancellationToken) ?? new PoolCapacity();
            var holding = capacity.Leases.Values.Where(lease => lease.HoldsAt(now)).ToList();
            var committed = Sum(holding.Where(lease => lease.Committed));
            var leased = Sum(holding.Where(lease => !lease.Committed));
            var total = PoolUsage.Of(pool);
            statuses.Add(new PoolStatus(pool.Name, total, committed, leased, (total - committed - leased).AtLeastZero(), holding.Count));
        }

        return statuses;
    }

    /// <summary>Returns the id of a pool's capacity stream: a name-based UUID, stable across restarts.</summary>
    public static Guid StreamId(string pool)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"eventshadow-resource-pool:{pool}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>
    /// Runs <paramref name="decide"/> on the pool's current state under the pool's lock and appends
    /// the events it returns, if any, in the same transaction.
    /// </summary>
    /// <remarks>
    /// Changes of one pool that wait while another runs are applied together. The caller that acquires
    /// the pool's gate takes every waiting change (up to <see cref="ResourcePoolOptions.MaxChangesPerTransaction"/>),
    /// decides each on the state the earlier ones left, and commits all their events in one transaction.
    /// One lock and one commit then serve many negotiations, instead of a round trip each.
    /// </remarks>
    /// <param name="negotiationEvents">
    /// Returns, from the decision's result, events for a negotiation's stream that commit with the pool's
    /// events, or null for none.
    /// </param>
    private async Task<T?> ChangePoolAsync<T>(
        string pool,
        Func<PoolCapacity, DateTimeOffset, (IReadOnlyList<object> Events, T? Result)> decide,
        CancellationToken cancellationToken,
        Func<T?, NegotiationAppend?>? negotiationEvents = null)
        where T : class
    {
        var change = new PoolChange(
            (capacity, now) => decide(capacity, now),
            negotiationEvents is null ? null : result => negotiationEvents((T?)result));
        var queue = queues.GetOrAdd(pool, _ => new PoolChangeQueue());
        queue.Waiting.Enqueue(change);

        await queue.Gate.WaitAsync(cancellationToken);
        try
        {
            while (!change.Done.Task.IsCompleted)
            {
                await ApplyAsync(pool, queue.Take(options.CurrentValue.MaxChangesPerTransaction), cancellationToken);
            }
        }
        finally
        {
            queue.Gate.Release();
        }

        return (T?)await change.Done.Task;
    }

    private async Task ApplyAsync(string pool, IReadOnlyList<PoolChange> changes, CancellationToken cancellationToken)
    {
        try
        {
            IReadOnlyList<object?> results;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    results = await CommitBatchAsync(pool, changes, cancellationToken);
                    break;
                }
                catch (Exception ex) when (IsDeadlock(ex) && attempt < MaxBatchAttempts)
                {
                    // PostgreSQL ended this transaction to break a deadlock with another writer of a
                    // negotiation's stream. Nothing was written, so the batch is decided again.
                    logger.LogWarning(
                        "A change of pool {Pool} for {Changes} negotiations ended in a deadlock; trying it again (attempt {Attempt} of {MaxAttempts})",
                        pool, changes.Count, attempt + 1, MaxBatchAttempts);
                }
            }

            for (var index = 0; index < changes.Count; index++)
            {
                changes[index].Done.TrySetResult(results[index]);
            }
        }
        catch (Exception ex)
        {
            // Nothing of the batch was committed; each caller sees the error and its message is retried.
            foreach (var change in changes)
            {
                change.Done.TrySetException(ex);
            }
        }
    }

    private static bool IsDeadlock(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected } ||
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected };

    /// <summary>
    /// Decides <paramref name="changes"/> on the pool's state under the pool's lock and commits their
    /// events in one transaction. Returns each change's result.
    /// </summary>
    private async Task<IReadOnlyList<object?>> CommitBatchAsync(string pool, IReadOnlyList<PoolChange> changes, CancellationToken cancellationToken)
    {
        var streamId = StreamId(pool);

        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Waits for other Negotiators' changes to this pool; the lock ends with the transaction.
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            command.Parameters.AddWithValue("key", LockKey(store.Options.DatabaseSchemaName, pool));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false));
        var capacity = await session.LoadAsync<PoolCapacity>(streamId, cancellationToken) ?? new PoolCapacity { Id = streamId, Pool = pool };

        var (events, results, negotiationAppends) = Decide(changes, capacity, clock.GetUtcNow());
        if (events.Count > 0 || negotiationAppends.Count > 0)
        {
            await EventStreamLock.LockAsync(
                store, connection, transaction, negotiationAppends.Select(append => append.NegotiationId).ToList(), cancellationToken);
            Stage(session, streamId, events, negotiationAppends);
            await session.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        // Each negotiation logs its own outcome; these lines repeat it per pool event, so they are for debugging.
        if (logger.IsEnabled(LogLevel.Debug))
        {
            foreach (var @event in events)
            {
                logger.LogDebug("Pool {Pool}: {PoolEvent}", pool, @event);
            }
        }

        return results;
    }

    private static void Stage(IDocumentSession session, Guid poolStreamId, List<object> poolEvents, List<NegotiationAppend> negotiationAppends)
    {
        if (poolEvents.Count > 0)
        {
            session.Events.Append(poolStreamId, poolEvents);
        }

        foreach (var append in negotiationAppends)
        {
            if (append.StartsStream)
            {
                session.Events.StartStream(append.NegotiationId, append.Events);
            }
            else
            {
                session.Events.Append(append.NegotiationId, append.Events);
            }

            if (append.Document is { } document)
            {
                session.Insert(document);
            }
        }
    }

    /// <summary>
    /// Decides each change on the state the earlier ones of the batch left, and collects their pool events,
    /// results and appends to negotiation streams.
    /// </summary>
    private static (List<object> Events, List<object?> Results, List<NegotiationAppend> NegotiationAppends) Decide(
        IReadOnlyList<PoolChange> changes, PoolCapacity capacity, DateTimeOffset now)
    {
        var events = new List<object>();
        var results = new List<object?>(changes.Count);
        var negotiationAppends = new List<NegotiationAppend>();
        foreach (var change in changes)
        {
            var (decided, result) = change.Decide(capacity, now);
            foreach (var @event in decided)
            {
                ApplyInMemory(capacity, @event);
            }

            events.AddRange(decided);
            results.Add(result);
            if (change.NegotiationEvents?.Invoke(result) is { } append)
            {
                negotiationAppends.Add(append);
            }
        }

        return (events, results, negotiationAppends);
    }

    /// <summary>
    /// Applies a pool event to the state that later changes of the same batch decide on. It is not a
    /// method of <see cref="PoolCapacity"/>, because Marten would take any public <c>Apply</c> there for
    /// a handler of the snapshot.
    /// </summary>
    private static void ApplyInMemory(PoolCapacity capacity, object poolEvent)
    {
        switch (poolEvent)
        {
            case CapacityLeased leased:
                capacity.Apply(leased);
                break;
            case LeaseCommitted committed:
                capacity.Apply(committed);
                break;
            case LeaseReleased released:
                capacity.Apply(released);
                break;
            default:
                throw new ArgumentException($"{poolEvent.GetType().Name} is not an event of a resource pool's stream.", nameof(poolEvent));
        }
    }

    /// <summary>Returns the key of the PostgreSQL advisory lock that orders the changes of <paramref name="pool"/>.</summary>
    public static long LockKey(string schema, string pool)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{schema}/resource-pool/{pool}"));
        return BitConverter.ToInt64(hash, 0);
    }

    private static PoolUsage Sum(IEnumerable<PoolLease> leases) =>
        leases.Aggregate(PoolUsage.Zero, (sum, lease) => sum + new PoolUsage(lease.Allocation.CpuMillicores, lease.Allocation.MemoryMiB, lease.Gpus));

    /// <summary>
    /// Returns the reason a lease for <paramref name="need"/> was rejected by the pools in <paramref name="free"/>,
    /// with what to do: wait for releases, ask for what fits now, or, when no pool is that large, change the configuration.
    /// </summary>
    internal static string DescribeRejection(PoolUsage need, IReadOnlyList<(ResourcePoolSettings Pool, PoolUsage Free)> free)
    {
        var pools = string.Join("; ", free.Select(entry => $"{entry.Pool.Name} has {entry.Free.AtLeastZero()} free of {PoolUsage.Of(entry.Pool)}"));
        var largest = free.OrderByDescending(entry => entry.Free.MemoryMiB).FirstOrDefault();
        string advice;
        if (free.Count > 0 && !free.Any(entry => PoolUsage.Of(entry.Pool).Covers(need)))
        {
            advice = "No pool is that large even when empty, so releases will not help: enlarge a pool (ResourcePools:Pools) or ask for less";
        }
        else if (largest.Pool is null || largest.Free.CpuMillicores <= 0 || largest.Free.MemoryMiB <= 0)
        {
            advice = "Nothing fits until capacity is released or leases expire";
        }
        else
        {
            advice = $"At most {largest.Free.AtLeastZero()} would fit now, in pool {largest.Pool.Name}";
        }

        return $"No resource pool has room for {need}: {pools}. {advice}.";
    }
}
