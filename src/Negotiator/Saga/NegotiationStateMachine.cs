using EventShadow.Contracts;
using MassTransit;

namespace EventShadow.Negotiator.Saga;

/// <summary>
/// Drives one negotiation: propose, wait for the shadow trial, then commit, renegotiate or fail. A
/// workload whose usage history is trusted commits at once, without a trial. Usually that happens as
/// it is submitted (<c>NegotiationSubmitter</c>), which stores this saga's state already committed.
/// </summary>
/// <remarks>
/// Decisions are raised as events on the saga state and appended to the negotiation's stream with
/// it (see <see cref="NegotiationState"/>); <see cref="NegotiationDecisions"/> makes them. Every trial
/// result names its attempt; results of an earlier attempt and anything arriving after the
/// negotiation ended are logged and ignored. Deadlines live in the state and survive restarts; the
/// <see cref="DeadlineWatcher"/> reports the ones that pass.
/// </remarks>
public sealed class NegotiationStateMachine : MassTransitStateMachine<NegotiationState>
{
    private readonly ILogger<NegotiationStateMachine> logger;

    public NegotiationStateMachine(NegotiationDecisions decisions, ILogger<NegotiationStateMachine> logger)
    {
        this.logger = logger;

        InstanceState(state => state.CurrentState);

        Event(() => Analyzed, e => e.CorrelateById(context => context.Message.NegotiationId));

        // Trial results and deadlines only ever follow a proposal, so without a saga they are stray messages.
        Event(() => Configured, e => e.CorrelateById(context => context.Message.NegotiationId).OnMissingInstance(missing => missing.Discard()));
        Event(() => Unavailable, e => e.CorrelateById(context => context.Message.NegotiationId).OnMissingInstance(missing => missing.Discard()));
        Event(() => Passed, e => e.CorrelateById(context => context.Message.NegotiationId).OnMissingInstance(missing => missing.Discard()));
        Event(() => Failed, e => e.CorrelateById(context => context.Message.NegotiationId).OnMissingInstance(missing => missing.Discard()));
        Event(() => DeadlinePassed, e => e.CorrelateById(context => context.Message.NegotiationId).OnMissingInstance(missing => missing.Discard()));

        Initially(
            When(Analyzed)
                .ThenAsync(context => decisions.ProposeFirstAsync(context.Saga, context.Message, context.CancellationToken))
                .IfElse(context => context.Saga.EndedAt is null,
                    proposed => proposed.TransitionTo(Proposed),
                    ended => ended.IfElse(context => context.Saga.CommittedWithoutTrial,
                        committed => committed.TransitionTo(Committed),
                        rejected => rejected.TransitionTo(Rejected))));

        During(Proposed,
            When(Configured, context => IsCurrent(context.Saga, context.Message.Attempt))
                .TransitionTo(Validating));

        During(Proposed, Validating,
            When(Unavailable, context => IsCurrent(context.Saga, context.Message.Attempt))
                .ThenAsync(context => decisions.FailAsync(
                    context.Saga, context.Message.Attempt, $"No shadow could be configured: {context.Message.Reason}", context.CancellationToken))
                .TransitionTo(Rejected),
            When(Passed, context => IsCurrent(context.Saga, context.Message.Attempt))
                .ThenAsync(context => decisions.CommitAsync(context.Saga, context.Message, context.CancellationToken))
                .TransitionTo(Committed),
            When(Failed, context => IsCurrent(context.Saga, context.Message.Attempt))
                .ThenAsync(context => decisions.RenegotiateAsync(context.Saga, context.Message, context.CancellationToken))
                .IfElse(context => context.Saga.EndedAt is null,
                    retry => retry.TransitionTo(Proposed),
                    giveUp => giveUp.TransitionTo(Rejected)),
            When(DeadlinePassed, context => IsCurrent(context.Saga, context.Message.Attempt))
                .ThenAsync(context => decisions.ExpireAsync(context.Saga, context.CancellationToken))
                .TransitionTo(Rejected));

        // Duplicates, results of superseded attempts and late messages for ended negotiations.
        OnUnhandledEvent(context =>
        {
            // A negotiation committed at submission stored its state before its requirements reached the bus.
            if (context.Saga.CommittedWithoutTrial && context.Event.Name == Analyzed.Name)
            {
                return context.Ignore();
            }

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

    public Event<NegotiationDeadlinePassed> DeadlinePassed { get; private set; } = null!;

    private bool IsCurrent(NegotiationState state, int attempt)
    {
        if (attempt == state.Attempt)
        {
            return true;
        }

        logger.LogInformation(
            "Ignoring a message about attempt {StaleAttempt} for negotiation {NegotiationId}, which is at attempt {Attempt}",
            attempt, state.CorrelationId, state.Attempt);
        return false;
    }
}
