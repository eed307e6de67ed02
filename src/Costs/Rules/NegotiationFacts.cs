using EventShadow.Contracts;

namespace EventShadow.Costs.Rules;

/// <summary>
/// What the cost rules need to know about one negotiation, built from its events in stream order:
/// the request, the profile, and each attempt's pool, claim and validation.
/// </summary>
/// <remarks>
/// The CostLedger builds it from the events that precede the one it prices, and a replay builds it
/// from the events it has read so far. Both see the same events, so both price alike.
/// </remarks>
public sealed class NegotiationFacts
{
    private readonly Dictionary<int, AttemptFacts> attempts = [];

    public NegotiationFacts(Guid negotiationId) => NegotiationId = negotiationId;

    public Guid NegotiationId { get; }

    public string? Task { get; private set; }

    public ContainerSpec? Container { get; private set; }

    /// <summary>The workload profile; <see cref="WorkloadProfile.Generic"/> until analysis or a proposal names one.</summary>
    public WorkloadProfile Profile { get; private set; } = WorkloadProfile.Generic;

    public IReadOnlyDictionary<int, AttemptFacts> Attempts => attempts;

    /// <summary>Builds the facts from a stream's events, stopping before the first that <paramref name="stopAt"/> matches.</summary>
    public static NegotiationFacts From(Guid negotiationId, IEnumerable<object> events, Func<object, bool>? stopAt = null)
    {
        var facts = new NegotiationFacts(negotiationId);
        foreach (var @event in events)
        {
            if (stopAt?.Invoke(@event) == true)
            {
                break;
            }

            facts.Apply(@event);
        }

        return facts;
    }

    /// <summary>Adds what <paramref name="event"/> tells; events that matter to no cost rule are ignored.</summary>
    public void Apply(object @event)
    {
        switch (@event)
        {
            case PartialTaskSubmitted submitted:
                Task = submitted.TaskName;
                Container = submitted.Container;
                break;
            case RequirementsAnalyzed analyzed:
                Profile = analyzed.Profile;
                Container ??= analyzed.Container;
                break;
            case AllocationProposed proposed:
                Profile = proposed.Profile;
                Container ??= proposed.Container;
                var attempt = AttemptOf(proposed.Attempt);
                attempt.Pool = proposed.Pool;
                attempt.Gpus = proposed.Gpus;
                attempt.Allocation = proposed.Allocation;
                break;
            case ShadowClaimed claimed:
                AttemptOf(claimed.Attempt).ColdStart = claimed.ColdStart;
                break;
            case ValidationPassed passed:
                AttemptOf(passed.Attempt).TimeToReadySeconds = passed.Measurements.TimeToReadySeconds;
                break;
            case ValidationFailed failed:
                var failedAttempt = AttemptOf(failed.Attempt);
                failedAttempt.TimeToReadySeconds = failed.Measurements.TimeToReadySeconds;
                failedAttempt.Failure = failed.Failure;
                failedAttempt.PeakMemoryMiB = failed.Measurements.PeakMemoryMiB;
                break;
        }
    }

    public AttemptFacts? FindAttempt(int attempt) => attempts.GetValueOrDefault(attempt);

    private AttemptFacts AttemptOf(int attempt)
    {
        if (!attempts.TryGetValue(attempt, out var facts))
        {
            facts = new AttemptFacts(attempt);
            attempts[attempt] = facts;
        }

        return facts;
    }
}

/// <summary>What the cost rules know about one attempt.</summary>
public sealed class AttemptFacts(int attempt)
{
    public int Attempt { get; } = attempt;

    /// <summary>Pool that leased the attempt's capacity; <c>default</c> when the proposal named none.</summary>
    public string Pool { get; set; } = CostRules.DefaultPool;

    public int Gpus { get; set; }

    public ResourceAllocation? Allocation { get; set; }

    public bool? ColdStart { get; set; }

    public double? TimeToReadySeconds { get; set; }

    public ValidationFailure? Failure { get; set; }

    public double? PeakMemoryMiB { get; set; }
}
