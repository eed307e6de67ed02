using EventShadow.Contracts;
using EventShadow.Hosting;
using Marten;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace EventShadow.PoolManager;

/// <summary>
/// Gives each proposed allocation a shadow container that runs the workload with that allocation, and
/// records <see cref="ShadowClaimed"/> and <see cref="ShadowConfigured"/>, or <see cref="ShadowUnavailable"/>
/// with a reason an operator can act on.
/// </summary>
public sealed class ConfigureShadowConsumer(
    ShadowImageCatalog catalog,
    ShadowContainers containers,
    ShadowCapacityGate gate,
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
        try
        {
            workload = catalog.Resolve(proposal.Container);
            var request = new ShadowRequest(proposal.NegotiationId, proposal.Attempt, proposal.Profile, proposal.Allocation, workload);
            var name = ShadowLabels.ContainerName(proposal.NegotiationId, proposal.Attempt);
            claim = await containers.FindAsync(name, cancellationToken) is null
                ? await gate.CreateWhenFreeAsync(proposal.NegotiationId, proposal.Attempt, () => containers.ClaimAsync(request, cancellationToken), cancellationToken)
                : await containers.ClaimAsync(request, cancellationToken);
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

        var claimed = new ShadowClaimed(
            proposal.NegotiationId, proposal.Attempt, claim.ShadowId, claim.ShadowName, claim.Image, claim.ColdStart, claim.ClaimedAt);
        var configured = new ShadowConfigured(
            proposal.NegotiationId, proposal.Attempt, claim.ShadowId, proposal.Allocation, claim.WorkloadExecId, workload.Readiness, time.GetUtcNow(),
            proposal.RunsToCompletion);

        // The append expects the version read above: if the negotiation ended meanwhile, it fails and
        // the retry takes the branch that removes the container.
        if (await writer.AppendOnceAsync(ConsumerName, context, proposal.NegotiationId, history.Version, claimed, configured))
        {
            logger.LogInformation(
                "Shadow {ShadowId} runs negotiation {NegotiationId} attempt {Attempt} with {Allocation} as exec {WorkloadExecId}",
                claim.ShadowId, proposal.NegotiationId, proposal.Attempt, proposal.Allocation.ToString(), claim.WorkloadExecId);
        }
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
