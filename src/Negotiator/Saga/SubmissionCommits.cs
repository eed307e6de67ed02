using System.Collections.Concurrent;
using EventShadow.Contracts;
using MassTransit;

namespace EventShadow.Negotiator.Saga;

/// <summary>
/// Ids of the negotiations this process committed at submission. Their requirements still reach the
/// saga's queue through the event relay, and the saga would only load its ended state to ignore them.
/// </summary>
public sealed class SubmissionCommits
{
    /// <summary>Ids kept at most; beyond it all are dropped, and the saga ignores those messages itself.</summary>
    private const int MaxKept = 100_000;

    private readonly ConcurrentDictionary<Guid, byte> ids = new();

    public void Add(Guid negotiationId)
    {
        if (ids.Count >= MaxKept)
        {
            ids.Clear();
        }

        ids.TryAdd(negotiationId, 0);
    }

    /// <summary>Returns true, once, for a negotiation that <see cref="Add"/> recorded.</summary>
    public bool Take(Guid negotiationId) => ids.TryRemove(negotiationId, out _);
}

/// <summary>
/// Consumes the requirements of a negotiation committed at submission in this process before the saga
/// repository loads its state. Another Negotiator's commits, and any after a restart, reach the saga,
/// which ignores them.
/// </summary>
public sealed class SubmissionCommitFilter(SubmissionCommits commits) : IFilter<ConsumeContext<RequirementsAnalyzed>>
{
    public async Task Send(ConsumeContext<RequirementsAnalyzed> context, IPipe<ConsumeContext<RequirementsAnalyzed>> next)
    {
        if (!commits.Take(context.Message.NegotiationId))
        {
            await next.Send(context);
            return;
        }

        // Without this, the message would count as not consumed and move to the queue's skipped queue.
        await context.NotifyConsumed(context, TimeSpan.Zero, nameof(SubmissionCommitFilter));
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("submissionCommits");
}
