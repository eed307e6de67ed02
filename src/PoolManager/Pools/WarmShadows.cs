using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager.Pools;

/// <summary>
/// Hands out this PoolManager's paused warm shadows to claims, one claim per shadow.
/// </summary>
/// <remarks>
/// The Docker engine is the record of which warm shadows exist; this class only remembers, within the
/// process, which of them a claim has taken and not yet renamed, so that two claims or the sizer do not
/// use the same one. Each PoolManager takes only shadows whose owner label is its own instance name.
/// </remarks>
public sealed class WarmShadows(ShadowContainers containers, IOptions<ShadowOptions> options) : IDisposable
{
    private readonly SemaphoreSlim taking = new(1, 1);
    private readonly HashSet<string> taken = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim refill = new(0, 1);

    /// <summary>
    /// Takes the oldest paused warm shadow of <paramref name="request"/>'s profile and shape; null when the
    /// pool has none. Give it back with <see cref="Release"/> once the claim has renamed or removed it.
    /// </summary>
    public async Task<PoolShadow?> TakeAsync(ShadowRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await taking.WaitAsync(cancellationToken);
        try
        {
            var shadows = await containers.ListPoolAsync(settings.Pool, cancellationToken);
            var shape = request.Workload.Shape;
            lock (taken)
            {
                var chosen = shadows
                    .Where(shadow => shadow.Warm && shadow.State == "paused" && shadow.Profile == request.Profile &&
                        shadow.Owner == settings.InstanceName && shadow.Shape == shape && !taken.Contains(shadow.ShadowId))
                    .OrderBy(shadow => shadow.CreatedAt)
                    .FirstOrDefault();
                if (chosen is not null)
                {
                    taken.Add(chosen.ShadowId);
                }

                return chosen;
            }
        }
        finally
        {
            taking.Release();
        }
    }

    /// <summary>Ends the claim of a shadow that <see cref="TakeAsync"/> returned, and asks the sizer to refill.</summary>
    public void Release(string shadowId)
    {
        lock (taken)
        {
            taken.Remove(shadowId);
        }

        RequestRefill();
    }

    /// <summary>Returns whether a claim holds the shadow right now.</summary>
    public bool IsTaken(string shadowId)
    {
        lock (taken)
        {
            return taken.Contains(shadowId);
        }
    }

    /// <summary>
    /// Removes an unclaimed warm shadow unless a claim holds it or has already renamed it. Returns whether
    /// this call removed it.
    /// </summary>
    public async Task<bool> RemoveUnclaimedAsync(string shadowId, CancellationToken cancellationToken)
    {
        lock (taken)
        {
            if (!taken.Add(shadowId))
            {
                return false;
            }
        }

        try
        {
            // The listing the caller decided on may predate a claim that has since renamed the shadow.
            return await containers.IsUnclaimedWarmAsync(shadowId, cancellationToken) &&
                await containers.RemoveAsync(shadowId, cancellationToken);
        }
        finally
        {
            lock (taken)
            {
                taken.Remove(shadowId);
            }
        }
    }

    /// <summary>Wakes the sizer before its next interval.</summary>
    public void RequestRefill()
    {
        if (refill.CurrentCount == 0)
        {
            try
            {
                refill.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another claim already asked.
            }
        }
    }

    /// <summary>Waits until a refill is requested or <paramref name="interval"/> passes.</summary>
    public Task WaitForRefillAsync(TimeSpan interval, CancellationToken cancellationToken) => refill.WaitAsync(interval, cancellationToken);

    public void Dispose()
    {
        taking.Dispose();
        refill.Dispose();
    }
}
