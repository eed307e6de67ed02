using EventShadow.Contracts;
using EventShadow.Hosting;
using Marten;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace EventShadow.PoolManager;

/// <summary>
/// Removes shadows that no attempt needs any more and records a <see cref="ShadowReleased"/> for each:
/// the failed attempt's shadow after <see cref="ValidationFailed"/>, and every shadow of the negotiation
/// once it ends with <see cref="AllocationCommitted"/> or <see cref="NegotiationFailed"/>.
/// </summary>
/// <remarks>
/// The events are appended before the containers are removed. A crash in between leaves containers
/// that the redelivered message removes; the reverse order could lose the release time that prices the
/// shadow.
/// NOTE: every PoolManager consumes from one shared queue, which is right while all shadows live on one
/// Docker host. With one PoolManager per host, release messages need a queue per instance so that each
/// host's shadows are removed.
/// </remarks>
public sealed class ReleaseShadowConsumer(
    ShadowContainers containers,
    NegotiationEventWriter writer,
    IDocumentStore store,
    TimeProvider time,
    ILogger<ReleaseShadowConsumer> logger)
    : IConsumer<ValidationFailed>, IConsumer<AllocationCommitted>, IConsumer<NegotiationFailed>
{
    /// <summary>Name under which this consumer records the messages it processed.</summary>
    public const string ConsumerName = "pool-manager.release-shadow";

    public async Task Consume(ConsumeContext<ValidationFailed> context)
    {
        var failure = context.Message;
        var shadows = await FindAttemptShadowAsync(failure, context.CancellationToken);
        await ReleaseAsync(context, failure.NegotiationId, failure.Attempt, "validation failed", shadows);
    }

    public async Task Consume(ConsumeContext<AllocationCommitted> context)
    {
        var commit = context.Message;
        if (commit.WithoutTrial)
        {
            // Committed from usage history: no proposal reached this PoolManager, so no shadow exists,
            // and asking the Docker engine for each such commit would only add load.
            return;
        }

        var shadows = await containers.ListAsync(commit.NegotiationId, context.CancellationToken);
        await ReleaseAsync(context, commit.NegotiationId, commit.Attempt, "allocation committed", shadows);
    }

    public async Task Consume(ConsumeContext<NegotiationFailed> context)
    {
        var failure = context.Message;
        var shadows = await containers.ListAsync(failure.NegotiationId, context.CancellationToken);
        await ReleaseAsync(context, failure.NegotiationId, failure.Attempt, "negotiation failed", shadows);
    }

    private async Task<IReadOnlyList<ShadowContainer>> FindAttemptShadowAsync(ValidationFailed failure, CancellationToken cancellationToken)
    {
        var idOrName = string.IsNullOrEmpty(failure.ShadowId)
            ? ShadowLabels.ContainerName(failure.NegotiationId, failure.Attempt)
            : failure.ShadowId;

        var shadow = await containers.FindAsync(idOrName, cancellationToken);
        if (shadow is null)
        {
            return [];
        }

        if (shadow.NegotiationId != failure.NegotiationId)
        {
            logger.LogWarning(
                "Shadow {ShadowId} belongs to negotiation {OwningNegotiationId}, not to negotiation {NegotiationId} attempt {Attempt} that failed validation; leaving it",
                shadow.ShadowId, shadow.NegotiationId, failure.NegotiationId, failure.Attempt);
            return [];
        }

        return [shadow];
    }

    private async Task ReleaseAsync(
        ConsumeContext context, Guid negotiationId, int attempt, string cause, IReadOnlyList<ShadowContainer> shadows)
    {
        var cancellationToken = context.CancellationToken;

        if (await writer.WasProcessedAsync(ConsumerName, context))
        {
            // An earlier delivery recorded these releases; it may have stopped before removing every container.
            await RemoveAsync(shadows, cause, cancellationToken);
            return;
        }

        // A shadow can be due for release by two messages, such as its attempt's ValidationFailed and the
        // negotiation's AllocationCommitted; only the first records it. The append expects the stream
        // version read here, so when both run at once one fails, retries and then finds the release.
        var history = await NegotiationHistory.ReadAsync(store, negotiationId, cancellationToken);
        var releasedAt = time.GetUtcNow();
        var releases = shadows
            .Where(shadow => !history.ReleasedShadowIds.Contains(shadow.ShadowId))
            .Select(shadow => new ShadowReleased(
                negotiationId, shadow.Attempt, shadow.ShadowId, shadow.Allocation, history.ClaimedAt.GetValueOrDefault(shadow.ShadowId, shadow.ClaimedAt), releasedAt))
            .ToArray<object>();

        await writer.AppendOnceAsync(ConsumerName, context, negotiationId, history.Version, releases);

        if (shadows.Count == 0)
        {
            logger.LogInformation(
                "No shadow to release for negotiation {NegotiationId} attempt {Attempt} after {Cause}",
                negotiationId, attempt, cause);
        }

        await RemoveAsync(shadows, cause, cancellationToken);
    }

    private async Task RemoveAsync(IReadOnlyList<ShadowContainer> shadows, string cause, CancellationToken cancellationToken)
    {
        foreach (var shadow in shadows)
        {
            if (await containers.RemoveAsync(shadow.ShadowId, cancellationToken))
            {
                logger.LogInformation(
                    "Released shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} after {Cause}",
                    shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, cause);
            }
        }
    }
}
