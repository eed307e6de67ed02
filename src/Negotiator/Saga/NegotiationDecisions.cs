using System.Globalization;
using EventShadow.Contracts;
using EventShadow.Negotiator.Allocation;
using EventShadow.Negotiator.History;
using EventShadow.Negotiator.Pools;
using JasperFx;
using Marten;
using Marten.Exceptions;
using Microsoft.Extensions.Options;

namespace EventShadow.Negotiator.Saga;

/// <summary>
/// The decisions of the negotiation saga: what to propose, whether capacity allows it, whether history
/// allows a commit without a trial, what to commit and when to give up. Each raises its events on the saga state; the repository stores them with it.
/// </summary>
/// <remarks>
/// Pool leases are changed before the saga state is saved. A redelivered message repeats the same
/// lease, commit or release, which the <see cref="ResourcePoolLedger"/> treats as already done.
/// The document store is resolved on first use, not injected: building it starts the event relay,
/// which needs the bus, and the bus builds this saga's state machine, which needs this class.
/// </remarks>
public sealed class NegotiationDecisions(
    AllocationRecommender recommender,
    FastPathRefresh refresh,
    SubmissionCommits submissionCommits,
    IServiceProvider services,
    IOptions<NegotiationOptions> negotiationOptions,
    IOptionsMonitor<ResourcePoolOptions> poolOptions,
    TimeProvider clock,
    ILogger<NegotiationDecisions> logger)
{
    private readonly UsageHistoryCache usageCache = new(() => services.GetRequiredService<IDocumentStore>(), clock);

    private NegotiationOptions Settings => negotiationOptions.Value;

    private ResourcePoolLedger Pools => services.GetRequiredService<ResourcePoolLedger>();

    private IDocumentStore Store => services.GetRequiredService<IDocumentStore>();

    public async Task ProposeFirstAsync(NegotiationState state, RequirementsAnalyzed requirements, CancellationToken cancellationToken)
    {
        var (history, proposal, fastPath) = await StartAsync(state, requirements, cancellationToken);
        var refreshDue = refresh.TakeRemembered(state.CorrelationId);
        if (fastPath.Trusted && !(refreshDue ?? refresh.TakeRefresh(state.WorkloadKey, Settings.FastPath)))
        {
            await CommitWithoutTrialAsync(state, proposal, fastPath, cancellationToken);
            return;
        }

        if (fastPath.Trusted)
        {
            var refreshReason = $"refresh trial: the history of {fastPath.ValidatedRuns} validated runs is trusted, but a trusted workload runs a trial " +
                $"once in every {Settings.FastPath.RefreshEvery} negotiations (Negotiation:FastPath:RefreshEvery), so that its history follows its current use";
            logger.LogInformation("Negotiation {NegotiationId} runs a shadow trial of workload {WorkloadKey}: {FastPathReason}",
                state.CorrelationId, state.WorkloadKey, refreshReason);
            proposal = proposal with { Rationale = $"{proposal.Rationale} This is a {refreshReason}." };
        }
        else if (fastPath.ValidatedRuns > 0)
        {
            // The workload has history of its own, so its submitter may well expect a commit without a trial.
            logger.LogInformation("Negotiation {NegotiationId} runs a shadow trial of workload {WorkloadKey}: {FastPathReason}",
                state.CorrelationId, state.WorkloadKey, fastPath.Reason);
            proposal = proposal with { Rationale = $"{proposal.Rationale} Not committed from history: {fastPath.Reason}." };
        }
        else
        {
            logger.LogDebug("Negotiation {NegotiationId} runs a shadow trial: {FastPathReason}", state.CorrelationId, fastPath.Reason);
        }

        await ProposeAsync(state, proposal, history, cancellationToken);
    }

    /// <summary>
    /// Commits a negotiation as it is submitted, when its workload's history is trusted and it is not due
    /// for a refresh trial. The submission's events, the commit, the saga's ended state and the pool's
    /// lease are written in one transaction, so the submitter gets the allocation in its response and no
    /// message has to reach the saga first. Returns the commit, for the caller to log, or null when the
    /// saga must negotiate: history does not allow it, a refresh trial is due, no pool has room, or the id is taken.
    /// </summary>
    /// <param name="submitted">The event that opens the negotiation's stream, before <paramref name="requirements"/>.</param>
    public async Task<AllocationCommitted?> TryCommitAtSubmissionAsync(
        PartialTaskSubmitted submitted, RequirementsAnalyzed requirements, CancellationToken cancellationToken)
    {
        var state = new NegotiationState { CorrelationId = requirements.NegotiationId };
        var (_, proposal, fastPath) = await StartAsync(state, requirements, cancellationToken);
        if (!fastPath.Trusted)
        {
            return null;
        }

        if (refresh.TakeRefresh(state.WorkloadKey, Settings.FastPath))
        {
            refresh.Remember(state.CorrelationId, refresh: true);
            return null;
        }

        var rationale = $"{fastPath.Reason} {proposal.Rationale}";
        AllocationCommitted? commit = null;
        LeaseOutcome lease;
        try
        {
            lease = await Pools.LeaseCommittedAsync(
                new LeaseRequest(state.CorrelationId, 0, proposal.Allocation, state.Gpus),
                granted =>
                {
                    CommittedWithoutTrial(state, proposal.Allocation, granted.Pool!);
                    state.CurrentState = nameof(NegotiationStateMachine.Committed);
                    commit = new AllocationCommitted(
                        state.CorrelationId, 0, proposal.Allocation, state.EndedAt!.Value, rationale, granted.Pool!, state.Gpus, WithoutTrial: true);
                    return new NegotiationAppend(state.CorrelationId, [submitted, requirements, commit], StartsStream: true, Document: state);
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is ExistingStreamIdCollisionException or DocumentAlreadyExistsException)
        {
            // Nothing of the pool change's batch was written. The saga's path reports a repeated id
            // to its submitter, and the other submissions of the batch negotiate there too.
            refresh.Remember(state.CorrelationId, refresh: false);
            return null;
        }

        // Without a commit, the lease was already held: the id is taken.
        if (!lease.Granted || commit is null)
        {
            refresh.Remember(state.CorrelationId, refresh: false);
            return null;
        }

        submissionCommits.Add(state.CorrelationId);
        return commit;
    }

    /// <summary>
    /// Fills a new negotiation's state from its requirements and decides, from the workload's usage
    /// history, what to propose and whether that history allows a commit without a trial.
    /// </summary>
    private async Task<(UsageEvidence? History, Proposal Proposal, FastPathDecision FastPath)> StartAsync(
        NegotiationState state, RequirementsAnalyzed requirements, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        state.TaskName = requirements.TaskName;
        state.Profile = requirements.Profile;
        state.Container = requirements.Container;
        state.RunsToCompletion = requirements.Hints.Any(hint => hint is { Name: "kind", Value: "Job" or "CronJob" });
        state.Gpus = GpuCount(requirements.Hints);
        state.WorkloadKey = WorkloadKeys.ForContainer(requirements.Container);
        state.StartedAt = now;
        state.DeadlineAt = now.AddSeconds(Settings.DeadlineSeconds);

        var usage = await usageCache.LoadAsync(state.WorkloadKey, state.Profile, Settings.FastPath.HistoryCacheMilliseconds, cancellationToken);
        var history = Evidence(usage);
        var proposal = recommender.Propose(requirements.Profile, requirements.Container, requirements.Hints, history);
        var fastPath = FastPathTrust.Decide(usage.Workload, proposal.Allocation, Settings.FastPath, Settings.HistoryMargin, now);
        return (history, proposal, fastPath);
    }

    /// <summary>
    /// Leases and commits the proposal in one pool change and ends the negotiation, as the workload's
    /// history showed that a trial would only confirm it.
    /// </summary>
    /// <remarks>
    /// A commit without a trial records no usage; <see cref="FastPathRefresh"/> sends some negotiations
    /// of a trusted workload to a trial instead, so that its history keeps following its real use.
    /// </remarks>
    private async Task CommitWithoutTrialAsync(NegotiationState state, Proposal proposal, FastPathDecision fastPath, CancellationToken cancellationToken)
    {
        var lease = await Pools.LeaseCommittedAsync(new LeaseRequest(state.CorrelationId, 0, proposal.Allocation, state.Gpus), cancellationToken);
        if (!lease.Granted)
        {
            await FailAsync(state, 0, NoRoomReason(proposal, lease), cancellationToken);
            return;
        }

        CommittedWithoutTrial(state, proposal.Allocation, lease.Pool!);
        var rationale = $"{fastPath.Reason} {proposal.Rationale}";
        state.Raise(new AllocationCommitted(
            state.CorrelationId, 0, proposal.Allocation, state.EndedAt!.Value, rationale, lease.Pool!, state.Gpus, WithoutTrial: true));

        logger.LogInformation(
            "Negotiation {NegotiationId} committed {Allocation} in pool {Pool} without a trial: {Rationale}",
            state.CorrelationId, proposal.Allocation, lease.Pool, rationale);
    }

    public async Task RenegotiateAsync(NegotiationState state, ValidationFailed failure, CancellationToken cancellationToken)
    {
        RecordUsage(state, failure.Attempt, passed: false, failure.Measurements);

        var history = Evidence(await LoadUsageAsync(state, cancellationToken));
        var decision = recommender.Renegotiate(state.Attempt, state.Allocation!, failure, state.Container, history);
        if (decision.Next is { } next)
        {
            await ProposeAsync(state, next, history, cancellationToken);
        }
        else
        {
            await FailAsync(state, state.Attempt, decision.Reason!, cancellationToken);
        }
    }

    public async Task CommitAsync(NegotiationState state, ValidationPassed passed, CancellationToken cancellationToken)
    {
        // History as it was before this trial: the commit must not fall below what earlier trials saw.
        var history = Evidence(await LoadUsageAsync(state, cancellationToken));
        RecordUsage(state, passed.Attempt, passed: true, passed.Measurements);

        var commit = recommender.Commit(state.Allocation!, passed.Measurements, state.Profile, state.Container, history);
        await Pools.CommitAsync(state.Pool!, state.CorrelationId, state.Attempt, commit.Allocation, cancellationToken);

        End(state);
        var tightened = commit.Allocation != state.Allocation;
        state.Allocation = commit.Allocation;
        state.Raise(new AllocationCommitted(
            state.CorrelationId, state.Attempt, commit.Allocation, state.EndedAt!.Value,
            tightened ? commit.Rationale : null, state.Pool!, state.Gpus));

        logger.LogInformation(
            "Negotiation {NegotiationId} committed {Allocation} in pool {Pool} after {Attempt} attempts: {Rationale}",
            state.CorrelationId, commit.Allocation, state.Pool, state.Attempt, commit.Rationale);
    }

    /// <summary>
    /// Ends the negotiation for the deadline that passed: the whole negotiation's, or the current attempt's.
    /// </summary>
    public Task ExpireAsync(NegotiationState state, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var reason = state.DeadlineAt is { } whole && whole <= now
            ? $"The negotiation did not end within {Settings.DeadlineSeconds} s (Negotiation:DeadlineSeconds)."
            : $"Attempt {state.Attempt} got no trial result within {Settings.AttemptTimeoutSeconds} s " +
              "(Negotiation:AttemptTimeoutSeconds); check that the PoolManager and the Validator are running and reach " +
              "the Docker engine (GET /health/ready of each), and their error queues (GET /errors).";
        return FailAsync(state, state.Attempt, reason, cancellationToken);
    }

    public async Task FailAsync(NegotiationState state, int attempt, string reason, CancellationToken cancellationToken)
    {
        if (state.Pool is { } pool)
        {
            await Pools.ReleaseAsync(pool, state.CorrelationId, "negotiation failed", cancellationToken);
        }

        End(state);
        state.Raise(new NegotiationFailed(state.CorrelationId, attempt, reason, state.EndedAt!.Value));
        logger.LogWarning("Negotiation {NegotiationId} failed at attempt {Attempt}: {Reason}", state.CorrelationId, attempt, reason);
    }

    private async Task ProposeAsync(NegotiationState state, Proposal proposal, UsageEvidence? history, CancellationToken cancellationToken)
    {
        var attempt = state.Attempt + 1;
        var lease = await Pools.LeaseAsync(new LeaseRequest(state.CorrelationId, attempt, proposal.Allocation, state.Gpus), cancellationToken);
        if (!lease.Granted)
        {
            await FailAsync(state, attempt, NoRoomReason(proposal, lease), cancellationToken);
            return;
        }

        state.Attempt = attempt;
        state.Allocation = proposal.Allocation;
        state.Pool = lease.Pool;
        state.AttemptDeadlineAt = clock.GetUtcNow().AddSeconds(Settings.AttemptTimeoutSeconds);
        state.RefreshNextDeadline();

        var alternatives = Alternatives.For(
            proposal.Allocation, state.Gpus, lease.Pool!, poolOptions.CurrentValue, Settings,
            Math.Max(state.Container!.Requests.MemoryMiB ?? 0, history?.KilledAtMiB + 1 ?? 0), state.Container.Limits);
        state.Raise(new AllocationProposed(
            state.CorrelationId, attempt, proposal.Allocation, proposal.Rationale, state.Profile, state.Container,
            state.RunsToCompletion, lease.Pool!, alternatives, state.Gpus));

        logger.LogInformation(
            "Negotiation {NegotiationId} proposes {Allocation} in pool {Pool} for attempt {Attempt}: {Rationale}",
            state.CorrelationId, proposal.Allocation, lease.Pool, attempt, proposal.Rationale);
    }

    private void RecordUsage(NegotiationState state, int attempt, bool passed, ValidationMeasurements measurements)
    {
        usageCache.Forget(state.WorkloadKey, state.Profile);
        state.Raise(new UsageRecorded(
            state.CorrelationId, attempt, state.WorkloadKey, state.Profile, state.Allocation!, passed,
            Complete: !measurements.OomKilled, measurements.PeakMemoryMiB, measurements.ThrottledPeriods, measurements.TotalPeriods,
            clock.GetUtcNow()));
    }

    private Task<(WorkloadUsage? Workload, WorkloadUsage? Profile)> LoadUsageAsync(NegotiationState state, CancellationToken cancellationToken) =>
        UsageHistoryCache.LoadFromStoreAsync(Store, state.WorkloadKey, state.Profile, cancellationToken);

    private UsageEvidence? Evidence((WorkloadUsage? Workload, WorkloadUsage? Profile) usage) =>
        UsageEvidence.From(usage.Workload, usage.Profile, Settings.HistoryMargin, Settings.MinProfileTrials);

    private void CommittedWithoutTrial(NegotiationState state, ResourceAllocation allocation, string pool)
    {
        End(state);
        state.Allocation = allocation;
        state.Pool = pool;
        state.CommittedWithoutTrial = true;
    }

    private void End(NegotiationState state)
    {
        state.EndedAt = clock.GetUtcNow();
        state.RefreshNextDeadline();
    }

    /// <summary>
    /// Returns why a negotiation failed when no pool could take its proposal. The pools' rejection
    /// comes first, as it names what to change, and the proposal's rationale follows.
    /// </summary>
    private static string NoRoomReason(Proposal proposal, LeaseOutcome lease) =>
        $"{lease.Rejection} Rationale of the proposal: {proposal.Rationale}";

    /// <summary>Returns the GPUs a task's hints ask for: the largest GPU limit or request among its containers' own hints.</summary>
    private static int GpuCount(IReadOnlyList<ResourceHint> hints) =>
        hints
            .Where(hint => hint.Name.Contains("gpu", StringComparison.OrdinalIgnoreCase) &&
                (hint.Name.EndsWith("-limit", StringComparison.Ordinal) || hint.Name.EndsWith("-request", StringComparison.Ordinal)) &&
                !hint.Name.StartsWith("init-container-", StringComparison.Ordinal))
            .Select(hint => int.TryParse(hint.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0)
            .DefaultIfEmpty()
            .Max();
}
