using System.Collections.Concurrent;

namespace EventShadow.Negotiator.Pools;

/// <summary>
/// One waiting change of a pool: what it decides on the pool's state, and its outcome once committed.
/// </summary>
/// <param name="negotiationEvents">
/// Events for the negotiation's own stream that depend on the decision, appended in the transaction that
/// changes the pool; null when the change appends to no negotiation stream.
/// </param>
internal sealed class PoolChange(
    Func<PoolCapacity, DateTimeOffset, (IReadOnlyList<object> Events, object? Result)> decide,
    Func<object?, NegotiationAppend?>? negotiationEvents = null)
{
    public Func<PoolCapacity, DateTimeOffset, (IReadOnlyList<object> Events, object? Result)> Decide { get; } = decide;

    public Func<object?, NegotiationAppend?>? NegotiationEvents { get; } = negotiationEvents;

    public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Events appended to a negotiation's stream together with a pool change.
/// </summary>
/// <param name="StartsStream">True when the events open the stream, which must not exist yet.</param>
/// <param name="Document">A document inserted in the same transaction, such as the negotiation's saga state; null for none.</param>
public sealed record NegotiationAppend(Guid NegotiationId, IReadOnlyList<object> Events, bool StartsStream = false, object? Document = null);

/// <summary>
/// Changes of one pool waiting for its gate. One caller at a time acquires the gate and applies a batch of them.
/// </summary>
internal sealed class PoolChangeQueue
{
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public ConcurrentQueue<PoolChange> Waiting { get; } = new();

    /// <summary>Removes and returns up to <paramref name="max"/> waiting changes, oldest first.</summary>
    public IReadOnlyList<PoolChange> Take(int max)
    {
        var batch = new List<PoolChange>();
        while (batch.Count < max && Waiting.TryDequeue(out var change))
        {
            batch.Add(change);
        }

        return batch;
    }
}
