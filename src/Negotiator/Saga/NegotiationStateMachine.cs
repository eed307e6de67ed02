using EventShadow.Contracts;
using EventShadow.Negotiator.Allocation;
using MassTransit;

namespace EventShadow.Negotiator.Saga;

/// <summary>
/// Drives one negotiation: propose, wait for the shadow trial, then commit, renegotiate or fail.
/// </summary>
/// <remarks>
/// Decisions are raised as events on the saga state and appended to the negotiation's stream with
/// it (see <see cref="NegotiationState"/>). Every trial result names its attempt; results of an
/// earlier attempt and anything arriving after the negotiation ended are logged and ignored.
/// </remarks>
public sealed class NegotiationStateMachine : MassTransitStateMachine<NegotiationState>
{
    private readonly AllocationRecommender recommender;
    private readonly TimeProvider clock;
    private readonly ILogger<NegotiationStateMachine> logger;

    public NegotiationStateMachine(AllocationRecommender recommender, TimeProvider clock, ILogger<NegotiationStateMachine> logger)
    {
        this.recommender = recommender;
        this.clock = clock;
        this.logger = logger;

        InstanceState(state => state.CurrentState);

        Event(() => Analyzed, e => e.CorrelateById(context => context.Message.NegotiationId));

        // Trial results only ever follow a proposal, so without a saga they are stray messages.
        Event(() => Configured, e => e.CorrelateById(context => context.Message.NegotiationId).OnMissingInstance(missing => missing.Discard()));
        Event(() => Unavailable, e => e.CorrelateById(context => context.Message.NegotiationId).OnMissingInstance(missing => missing.Discard()));
        Event(() => Passed, e => e.CorrelateById(context => context.Message.NegotiationId).OnMissingInstance(missing => missing.Discard()));
        Event(() => Failed, e => e.CorrelateById(context => context.Message.NegotiationId).OnMissingInstance(missing => missing.Discard()));

        Initially(
            When(Analyzed)
                .Then(ProposeFirst)
                .TransitionTo(Proposed));

        During(Proposed,
            When(Configured, context => IsCurrent(context.Saga, context.Message.Attempt))
                .TransitionTo(Validating));

        During(Proposed, Validating,
            When(Unavailable, context => IsCurrent(context.Saga, context.Message.Attempt))
                .Then(context => Fail(context.Saga, context.Message.Attempt, $"No shadow could be configured: {context.Message.Reason}"))
                .TransitionTo(Rejected),
            When(Passed, context => IsCurrent(context.Saga, context.Message.Attempt))
                .Then(Commit)
                .TransitionTo(Committed),
            When(Failed, context => IsCurrent(context.Saga, context.Message.Attempt))
                .Then(Renegotiate)
                .IfElse(context => context.Saga.EndedAt is null,
                    retry => retry.TransitionTo(Proposed),
                    giveUp => giveUp.TransitionTo(Rejected)));

        // Duplicates, results of superseded attempts and late messages for ended negotiations.
        OnUnhandledEvent(context =>
        {
            this.logger.LogInformation(
                "Ignoring {Event} for negotiation {NegotiationId} in state {State} at attempt {Attempt}",
                context.Event.Name, context.Saga.CorrelationId, context.Saga.CurrentState, context.Saga.Attempt);
            return context.Ignore();
        });
    }

    public State Proposed { get; private set; } = null!;

    public State Validating { get; private set; } = null!;

    public State Committed { get; private set; } = null!;

    /// <summary>The negotiation ended without an allocation.</summary>
    public State Rejected { get; private set; } = null!;

    public Event<RequirementsAnalyzed> Analyzed { get; private set; } = null!;

    public Event<ShadowConfigured> Configured { get; private set; } = null!;

    public Event<ShadowUnavailable> Unavailable { get; private set; } = null!;

    public Event<ValidationPassed> Passed { get; private set; } = null!;

    public Event<ValidationFailed> Failed { get; private set; } = null!;

    private bool IsCurrent(NegotiationState state, int attempt)
    {
        if (attempt == state.Attempt)
        {
            return true;
        }

        logger.LogInformation(
            "Ignoring a result of attempt {StaleAttempt} for negotiation {NegotiationId}, which is at attempt {Attempt}",
            attempt, state.CorrelationId, state.Attempt);
        return false;
    }

    private void ProposeFirst(BehaviorContext<NegotiationState, RequirementsAnalyzed> context)
    {
        var state = context.Saga;
        var requirements = context.Message;

        state.TaskName = requirements.TaskName;
        state.Profile = requirements.Profile;
        state.Container = requirements.Container;
        state.RunsToCompletion = requirements.Hints.Any(hint => hint is { Name: "kind", Value: "Job" or "CronJob" });
        state.StartedAt = clock.GetUtcNow();

        Propose(state, recommender.Propose(requirements.Profile, requirements.Container, requirements.Hints));
    }

    private void Propose(NegotiationState state, Proposal proposal)
    {
        state.Attempt++;
        state.Allocation = proposal.Allocation;
        state.Raise(new AllocationProposed(
            state.CorrelationId, state.Attempt, proposal.Allocation, proposal.Rationale, state.Profile, state.Container!,
            state.RunsToCompletion));

        logger.LogInformation(
            "Negotiation {NegotiationId} proposes {Allocation} for attempt {Attempt}: {Rationale}",
            state.CorrelationId, proposal.Allocation, state.Attempt, proposal.Rationale);
    }

    private void Commit(BehaviorContext<NegotiationState, ValidationPassed> context)
    {
        var state = context.Saga;
        state.EndedAt = clock.GetUtcNow();
        state.Raise(new AllocationCommitted(state.CorrelationId, state.Attempt, state.Allocation!, state.EndedAt.Value));

        logger.LogInformation(
            "Negotiation {NegotiationId} committed {Allocation} after {Attempt} attempts",
            state.CorrelationId, state.Allocation, state.Attempt);
    }

    private void Renegotiate(BehaviorContext<NegotiationState, ValidationFailed> context)
    {
        var state = context.Saga;
        var decision = recommender.Renegotiate(state.Attempt, state.Allocation!, context.Message);

        if (decision.Next is { } next)
        {
            Propose(state, next);
        }
        else
        {
            Fail(state, state.Attempt, decision.Reason!);
        }
    }

    private void Fail(NegotiationState state, int attempt, string reason)
    {
        state.EndedAt = clock.GetUtcNow();
        state.Raise(new NegotiationFailed(state.CorrelationId, attempt, reason, state.EndedAt.Value));

        logger.LogWarning("Negotiation {NegotiationId} failed at attempt {Attempt}: {Reason}", state.CorrelationId, attempt, reason);
    }
}
