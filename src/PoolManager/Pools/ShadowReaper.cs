using EventShadow.Contracts;
using JasperFx;
using Marten;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager.Pools;

/// <summary>
/// Removes shadows that nothing else would remove: claimed shadows whose negotiation has ended, whose
/// claim was never completed, or that outlived <see cref="ShadowOptions.MaxShadowLifetimeMinutes"/>,
/// and warm shadows that outlived it or were left half made.
/// </summary>
/// <remarks>
/// When the PoolManager starts, before its consumers run, the reaper also removes this instance's
/// claimed shadows whose attempt has no <see cref="ShadowConfigured"/>: a claim that a crash cut short.
/// The proposal's message was not acknowledged, so its redelivery claims again, cold or warm. A removed
/// claimed shadow whose claim was recorded gets its <see cref="ShadowReleased"/> first, so that its cost
/// is priced, exactly as <see cref="ReleaseShadowConsumer"/> records it.
/// </remarks>
public sealed class ShadowReaper(
    ShadowContainers containers,
    WarmShadows warmShadows,
    ShadowPoolJournal journal,
    IDocumentStore store,
    IOptions<ShadowOptions> options,
    TimeProvider time,
    ILogger<ShadowReaper> logger)
{
    /// <summary>
    /// Runs one pass over the pool's shadows on this Docker host and returns how many it removed.
    /// </summary>
    /// <param name="starting">The PoolManager is starting and no claim of this instance is under way.</param>
    public async Task<int> ReapAsync(bool starting, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var maxAge = TimeSpan.FromMinutes(settings.MaxShadowLifetimeMinutes);
        var removed = 0;

        foreach (var shadow in await containers.ListPoolAsync(settings.Pool, cancellationToken))
        {
            var mine = shadow.Owner == settings.InstanceName;
            var tooOld = now - shadow.CreatedAt > maxAge;

            if (shadow.Warm)
            {
                var reason = starting && mine && shadow.State != "paused" ? $"warm shadow was left {shadow.State} by a PoolManager that stopped"
                    : tooOld ? $"warm shadow outlived {settings.MaxShadowLifetimeMinutes} minutes"
                    : null;
                if (reason is not null && await warmShadows.RemoveUnclaimedAsync(shadow.ShadowId, cancellationToken))
                {
                    removed++;
                    logger.LogInformation("Reaped warm shadow {ShadowId} of profile {Profile}: {Reason}", shadow.ShadowId, shadow.Profile, reason);
                    var profile = shadow.Profile ?? WorkloadProfile.Generic;
                    await journal.AppendAsync(
                        profile,
                        cancellationToken,
                        new WarmShadowRemoved(settings.Pool, profile, shadow.ShadowId, reason, now),
                        new WarmShadowIdled(settings.Pool, profile, shadow.ShadowId, settings.WarmMemoryMiB, shadow.CreatedAt, now));
                }

                continue;
            }

            if (shadow.NegotiationId is not { } negotiationId)
            {
                if (tooOld && await ReapAsync(shadow, history: null, $"shadow without a negotiation outlived {settings.MaxShadowLifetimeMinutes} minutes", cancellationToken))
                {
                    removed++;
                }

                continue;
            }

            var history = await NegotiationHistory.ReadAsync(store, negotiationId, cancellationToken);
            var attempt = shadow.Attempt ?? 0;
            // A negotiation this event store does not hold belongs to another installation sharing the
            // Docker host: only the lifetime limit applies to its shadows.
            var known = history.Version > 0;
            var claimIncomplete = known && !history.ConfiguredAttempts.Contains(attempt) &&
                ((starting && mine) || history.UnavailableAttempts.Contains(attempt));
            var cause = history.HasEnded ? "its negotiation has ended"
                : tooOld ? $"it outlived {settings.MaxShadowLifetimeMinutes} minutes"
                : claimIncomplete ? "its claim was never completed"
                : null;

            if (cause is not null && await ReapAsync(shadow, history, cause, cancellationToken))
            {
                removed++;
            }
        }

        return removed;
    }

    private async Task<bool> ReapAsync(PoolShadow shadow, NegotiationHistory? history, string reason, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (history is not null && shadow.NegotiationId is { } negotiationId &&
            history.ClaimedAt.TryGetValue(shadow.ShadowId, out var claimedAt) && !history.ReleasedShadowIds.Contains(shadow.ShadowId) &&
            !await RecordReleaseAsync(shadow, negotiationId, history, claimedAt, cancellationToken))
        {
            return false;
        }

        if (!await containers.RemoveAsync(shadow.ShadowId, cancellationToken))
        {
            return false;
        }

        logger.LogInformation(
            "Reaped shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}: {Reason}",
            shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, reason);
        var profile = shadow.Profile ?? WorkloadProfile.Generic;
        await journal.AppendAsync(profile, cancellationToken, new ShadowReaped(settings.Pool, profile, shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, reason, time.GetUtcNow()));
        return true;
    }

    /// <summary>
    /// Appends the shadow's <see cref="ShadowReleased"/> unless the stream changed since it was read, in
    /// which case the release consumer may be recording it; the next pass decides again.
    /// </summary>
    private async Task<bool> RecordReleaseAsync(
        PoolShadow shadow, Guid negotiationId, NegotiationHistory history, DateTimeOffset claimedAt, CancellationToken cancellationToken)
    {
        var container = await containers.FindAsync(shadow.ShadowId, cancellationToken);
        if (container is null)
        {
            return false;
        }

        await using var session = store.LightweightSession();
        session.Events.Append(
            negotiationId,
            history.Version + 1,
            new ShadowReleased(negotiationId, container.Attempt, shadow.ShadowId, container.Allocation, claimedAt, time.GetUtcNow()));
        try
        {
            await session.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is ConcurrencyException or JasperFx.Events.EventStreamUnexpectedMaxEventIdException)
        {
            logger.LogInformation(
                "Negotiation {NegotiationId} changed while shadow {ShadowId} was being reaped; deciding again on the next pass",
                negotiationId, shadow.ShadowId);
            return false;
        }
    }
}
