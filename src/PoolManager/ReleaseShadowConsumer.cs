using EventShadow.Contracts;
using EventShadow.Hosting;
using Marten;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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
/// With <see cref="ShadowOptions.SeveralDockerHosts"/>, every PoolManager receives every release on a
/// queue of its own and handles only the shadows it owns: it skips a release when the negotiation's
/// claims name other owners only, and otherwise removes the shadows whose owner label is its
/// <see cref="ShadowOptions.InstanceName"/>. A negotiation whose attempts ran on two hosts is released
/// by both PoolManagers.
/// </remarks>
public sealed class ReleaseShadowConsumer(
    ShadowContainers containers,
    NegotiationEventWriter writer,
    IDocumentStore store,
    IOptions<ShadowOptions> options,
    TimeProvider time,
    ILogger<ReleaseShadowConsumer> logger)
    : IConsumer<ValidationFailed>, IConsumer<AllocationCommitted>, IConsumer<NegotiationFailed>
{
    /// <summary>Name under which this consumer records the messages it processed, with one Docker host.</summary>
    public const string ConsumerName = "pool-manager.release-shadow";

    private readonly string instanceName = options.Value.InstanceName;

    /// <summary>
    /// True when this PoolManager handles only its own shadows. Each PoolManager then records processed
    /// messages under a name of its own, because the others process the same message for their shadows.
    /// </summary>
    private readonly bool ownShadowsOnly = options.Value.SeveralDockerHosts;

    private string ProcessedName => ownShadowsOnly ? $"{ConsumerName}.{instanceName}" : ConsumerName;

    public async Task Consume(ConsumeContext<ValidationFailed> context)
    {
        var failure = context.Message;
        if (await IsForAnotherHostAsync(failure.NegotiationId, failure.Attempt, "validation failed", context.CancellationToken))
        {
            return;
        }

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

        if (await IsForAnotherHostAsync(commit.NegotiationId, attempt: null, "allocation committed", context.CancellationToken))
        {
            return;
        }

        var shadows = await containers.ListAsync(commit.NegotiationId, context.CancellationToken);
        await ReleaseAsync(context, commit.NegotiationId, commit.Attempt, "allocation committed", shadows);
    }

    public async Task Consume(ConsumeContext<NegotiationFailed> context)
    {
        var failure = context.Message;
        if (await IsForAnotherHostAsync(failure.NegotiationId, attempt: null, "negotiation failed", context.CancellationToken))
        {
            return;
        }

        var shadows = await containers.ListAsync(failure.NegotiationId, context.CancellationToken);
        await ReleaseAsync(context, failure.NegotiationId, failure.Attempt, "negotiation failed", shadows);
    }

    /// <summary>
    /// Returns true, and logs the skip, when this PoolManager handles only its own shadows and the
    /// negotiation's recorded claims, of <paramref name="attempt"/> or of any attempt when it is null,
    /// name other owners only. A shadow whose claim a crash kept from being recorded is left to the
    /// reaper of its owner.
    /// </summary>
    private async Task<bool> IsForAnotherHostAsync(Guid negotiationId, int? attempt, string cause, CancellationToken cancellationToken)
    {
        if (!ownShadowsOnly)
        {
            return false;
        }

        var history = await NegotiationHistory.ReadAsync(store, negotiationId, cancellationToken);
        if (history.MayHaveShadowOf(instanceName, attempt))
        {
            return false;
        }

        logger.LogDebug(
            "Skipping the release of negotiation {NegotiationId} after {Cause}: no shadow of its claims belongs to PoolManager {InstanceName}",
            negotiationId, cause, instanceName);
        return true;
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

        if (ownShadowsOnly && !IsOwn(shadow))
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

    private bool IsOwn(ShadowContainer shadow) => string.Equals(shadow.Owner, instanceName, StringComparison.Ordinal);

    private async Task ReleaseAsync(
        ConsumeContext context, Guid negotiationId, int attempt, string cause, IReadOnlyList<ShadowContainer> found)
    {
        var cancellationToken = context.CancellationToken;

        var shadows = ownShadowsOnly ? [.. found.Where(IsOwn)] : found;
        if (ownShadowsOnly && shadows.Count == 0)
        {
            // Another PoolManager owns the shadows of this release, or an earlier delivery removed ours.
            logger.LogDebug(
                "No shadow of PoolManager {InstanceName} to release for negotiation {NegotiationId} attempt {Attempt} after {Cause}",
                instanceName, negotiationId, attempt, cause);
            return;
        }

        if (await writer.WasProcessedAsync(ProcessedName, context))
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

        await writer.AppendOnceAsync(ProcessedName, context, negotiationId, history.Version, releases);

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

/// <summary>
/// Endpoint of <see cref="ReleaseShadowConsumer"/>: the shared <c>release-shadow</c>, or with
/// <see cref="ShadowOptions.SeveralDockerHosts"/> one per PoolManager, <c>release-shadow-{InstanceName}</c>.
/// </summary>
public sealed class ReleaseShadowConsumerDefinition : ConsumerDefinition<ReleaseShadowConsumer>
{
    public ReleaseShadowConsumerDefinition(IOptions<ShadowOptions> options)
    {
        var settings = options.Value;
        EndpointName = DockerHostEndpoints.EndpointName<ReleaseShadowConsumer>(settings.SeveralDockerHosts ? settings.InstanceName : null);
    }
}
