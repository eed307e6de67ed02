using EventShadow.Contracts;
using EventShadow.Hosting;
using Marten;
using MassTransit;
using EventShadow.PoolManager.Pools;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager;

/// <summary>
/// Gives each proposed allocation a shadow container that runs the workload with that allocation, and
/// records <see cref="ShadowClaimed"/> and <see cref="ShadowConfigured"/>, or <see cref="ShadowUnavailable"/>
/// with a reason an operator can act on.
/// </summary>
/// <remarks>
/// A warm shadow of the proposal's profile and shape is claimed when the pool has one; otherwise the
/// shadow is created on demand, a cold start. Tasks with ports always start cold, because a container
/// created without a network cannot join one later. Each claim is also recorded in the pool's stream.
/// </remarks>
public sealed class ConfigureShadowConsumer(
    ShadowImageCatalog catalog,
    ShadowContainers containers,
    ShadowCapacityGate gate,
    WarmShadows warmShadows,
    ShadowPoolJournal journal,
    IOptions<ShadowOptions> options,
    NegotiationEventWriter writer,
    IDocumentStore store,
    TimeProvider time,
    ILogger<ConfigureShadowConsumer> logger) : IConsumer<AllocationProposed>
{
    /// <summary>Name under which this consumer records the messages it processed.</summary>
    public const string ConsumerName = "pool-manager.configure-shadow";

    public async Task Consume(ConsumeContext<AllocationProposed> context)
    {
        var proposal = context.Message;
        var cancellationToken = context.CancellationToken;

        if (await writer.WasProcessedAsync(ConsumerName, context))
        {
            logger.LogInformation(
                "Proposal for negotiation {NegotiationId} attempt {Attempt} already has its shadow; ignoring the redelivery",
                proposal.NegotiationId, proposal.Attempt);
            return;
        }

        var history = await NegotiationHistory.ReadAsync(store, proposal.NegotiationId, cancellationToken);
        if (history.HasEnded)
        {
            await SkipEndedNegotiationAsync(context);
            return;
        }

        ShadowWorkload workload;
        ShadowClaim claim;
        string? coldReason;
        try
        {
            workload = catalog.Resolve(proposal.Container);
            (claim, coldReason) = await ClaimAsync(proposal, workload, cancellationToken);
        }
        catch (ShadowUnavailableException ex)
        {
            logger.LogWarning(
                "No shadow for negotiation {NegotiationId} attempt {Attempt} with {Allocation}: {Reason}",
                proposal.NegotiationId, proposal.Attempt, proposal.Allocation.ToString(), ex.Message);
            await writer.AppendOnceAsync(
                ConsumerName, context, proposal.NegotiationId,
                new ShadowUnavailable(proposal.NegotiationId, proposal.Attempt, ex.Message));
            return;
        }

        var events = ClaimEvents(proposal, claim, workload);

        // The append expects the version read above: if the negotiation ended meanwhile, it fails and
        // the retry takes the branch that removes the container.
        if (await writer.AppendOnceAsync(ConsumerName, context, proposal.NegotiationId, history.Version, events))
        {
            logger.LogInformation(
                "Shadow {ShadowId} runs negotiation {NegotiationId} attempt {Attempt} with {Allocation} as exec {WorkloadExecId} ({Start})",
                claim.ShadowId, proposal.NegotiationId, proposal.Attempt, proposal.Allocation.ToString(), claim.WorkloadExecId,
                claim.ColdStart ? $"cold start: {coldReason}" : "warm");

            // NOTE: a separate commit, so a crash right here loses this pool statistic; the negotiation's
            // ShadowClaimed above remains the record of the claim and of the shadow's idle time.
            await journal.AppendAsync(
                proposal.Profile,
                CancellationToken.None,
                new ShadowPoolClaimed(options.Value.Pool, proposal.Profile, proposal.NegotiationId, proposal.Attempt, claim.ShadowId, claim.ColdStart, coldReason, claim.ClaimedAt));
        }
    }

    /// <summary>
    /// Returns what the negotiation records of its attempt's shadow: the claim, the configuration and, for
    /// a shadow taken warm, the time it stood idle in its pool. The idle time is committed with the claim,
    /// so a crash after the commit cannot lose it and a redelivered proposal does not record it again.
    /// </summary>
    private object[] ClaimEvents(AllocationProposed proposal, ShadowClaim claim, ShadowWorkload workload)
    {
        var owner = options.Value.InstanceName;
        var claimed = new ShadowClaimed(
            proposal.NegotiationId, proposal.Attempt, claim.ShadowId, claim.ShadowName, claim.Image, claim.ColdStart, claim.ClaimedAt, owner);
        var configured = new ShadowConfigured(
            proposal.NegotiationId, proposal.Attempt, claim.ShadowId, proposal.Allocation, claim.WorkloadExecId, workload.Readiness, time.GetUtcNow(),
            proposal.RunsToCompletion, proposal.Profile, owner);
        return claim.IdleSince is { } idleSince
            ? [claimed, configured, new WarmShadowIdled(options.Value.Pool, proposal.Profile, claim.ShadowId, options.Value.WarmMemoryMiB, idleSince, claim.ClaimedAt)]
            : [claimed, configured];
    }

    /// <summary>
    /// Takes the shadow an earlier delivery of the proposal claimed, or claims one once a slot is free.
    /// </summary>
    private async Task<(ShadowClaim Claim, string? ColdReason)> ClaimAsync(
        AllocationProposed proposal, ShadowWorkload workload, CancellationToken cancellationToken)
    {
        var request = new ShadowRequest(proposal.NegotiationId, proposal.Attempt, proposal.Profile, proposal.Allocation, workload);
        var name = ShadowLabels.ContainerName(proposal.NegotiationId, proposal.Attempt);
        if (await containers.FindAsync(name, cancellationToken) is null)
        {
            return await gate.CreateWhenFreeAsync(
                proposal.NegotiationId, proposal.Attempt, () => ClaimWarmOrColdAsync(request, cancellationToken), cancellationToken);
        }

        var claim = await containers.ClaimAsync(request, cancellationToken);
        return (claim, claim.ColdStart ? "created on demand by an earlier delivery" : null);
    }

    /// <summary>
    /// Claims a warm shadow of the request's profile and shape, or creates the shadow on demand and
    /// returns why it started cold.
    /// </summary>
    private async Task<(ShadowClaim Claim, string? ColdReason)> ClaimWarmOrColdAsync(ShadowRequest request, CancellationToken cancellationToken)
    {
        string coldReason;
        if (!options.Value.WarmPools.Any(pool => pool.Profile == request.Profile))
        {
            coldReason = $"profile {request.Profile} has no warm pool";
        }
        else if (await warmShadows.TakeAsync(request, cancellationToken) is not { } warm)
        {
            coldReason = $"the {request.Profile} pool had no warm shadow of shape {request.Workload.Shape}";
        }
        else
        {
            try
            {
                var claim = await containers.ClaimWarmAsync(warm.ShadowId, request, cancellationToken);

                // Until the engine shows the rename, the shadow still looks warm and stays taken.
                await claim.EngineUpdate;
                return (claim with { IdleSince = warm.CreatedAt }, null);
            }
            catch (ShadowUnavailableException ex)
            {
                coldReason = ex.Message;
            }
            finally
            {
                warmShadows.Release(warm.ShadowId);
            }
        }

        return (await containers.ClaimAsync(request, cancellationToken), coldReason);
    }

    private async Task SkipEndedNegotiationAsync(ConsumeContext<AllocationProposed> context)
    {
        var proposal = context.Message;
        logger.LogWarning(
            "Negotiation {NegotiationId} has already ended, so attempt {Attempt} gets no shadow",
            proposal.NegotiationId, proposal.Attempt);

        // An earlier delivery may have created the container before the end was recorded.
        var name = ShadowLabels.ContainerName(proposal.NegotiationId, proposal.Attempt);
        if (await containers.FindAsync(name, context.CancellationToken) is { } leftover)
        {
            await containers.RemoveAsync(leftover.ShadowId, context.CancellationToken);
        }

        await writer.AppendOnceAsync(ConsumerName, context, proposal.NegotiationId);
    }
}
