using System.Collections.Concurrent;

namespace EventShadow.Negotiator.Pools;

/// <summary>
/// One waiting change of a pool: what it decides on the pool's state, and its outcome once committed.
/// </summary>
internal sealed class PoolChange(Func<PoolCapacity, DateTimeOffset, (IReadOnlyList<object> Events, object? Result)> decide)
{
    public Func<PoolCapacity, DateTimeOffset, (IReadOnlyList<object> Events, object? Result)> Decide { get; } = decide;

    public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

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
