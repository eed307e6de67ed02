using EventShadow.Contracts;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventShadow.Negotiator.Views;

/// <summary>
/// Builds <see cref="NegotiationView"/> from a negotiation's stream.
/// </summary>
public sealed partial class NegotiationViewProjection : SingleStreamProjection<NegotiationView, Guid>
{
    public static NegotiationView Create(IEvent<PartialTaskSubmitted> submitted) => new()
    {
        Id = submitted.Data.NegotiationId,
        Task = submitted.Data.TaskName,
        Source = submitted.Data.SourceName,
        Format = submitted.Data.Format,
        Image = submitted.Data.Container.Image,
        Status = NegotiationStatus.Submitted,
        SubmittedAt = submitted.Data.SubmittedAt,
        UpdatedAt = submitted.Timestamp,
    };

    public static void Apply(IEvent<RequirementsAnalyzed> analyzed, NegotiationView view)
    {
        view.Profile = analyzed.Data.Profile;
        view.Hints = analyzed.Data.Hints.ToList();
        view.UpdatedAt = analyzed.Timestamp;
    }

    public static void Apply(IEvent<AllocationProposed> proposed, NegotiationView view)
    {
        view.Attempts.Add(new AttemptView
        {
            Attempt = proposed.Data.Attempt,
            Allocation = proposed.Data.Allocation,
            Rationale = proposed.Data.Rationale,
            Pool = proposed.Data.Pool,
            Alternatives = proposed.Data.Alternatives?.ToList() ?? [],
        });
        view.Pool = proposed.Data.Pool;
        Advance(view, NegotiationStatus.Proposed, proposed.Timestamp);
    }

    public static void Apply(IEvent<ShadowClaimed> claimed, NegotiationView view)
    {
        if (view.FindAttempt(claimed.Data.Attempt) is { } attempt)
        {
            attempt.ShadowId = claimed.Data.ShadowId;
            attempt.ColdStart = claimed.Data.ColdStart;
        }

        Advance(view, NegotiationStatus.Configuring, claimed.Timestamp);
    }

    public static void Apply(IEvent<ShadowConfigured> configured, NegotiationView view)
    {
        if (view.FindAttempt(configured.Data.Attempt) is { } attempt)
        {
            attempt.ShadowId = configured.Data.ShadowId;
        }

        Advance(view, NegotiationStatus.Validating, configured.Timestamp);
    }

    public static void Apply(IEvent<ShadowUnavailable> unavailable, NegotiationView view)
    {
        if (view.FindAttempt(unavailable.Data.Attempt) is { } attempt)
        {
            attempt.ShadowUnavailableReason = unavailable.Data.Reason;
        }

        view.UpdatedAt = unavailable.Timestamp;
    }

    public static void Apply(IEvent<ValidationPassed> passed, NegotiationView view)
    {
        if (view.FindAttempt(passed.Data.Attempt) is { } attempt)
        {
            attempt.Validation = ValidationView.From(passed.Data.Measurements, failure: null, reasons: []);
        }

        view.UpdatedAt = passed.Timestamp;
    }

    public static void Apply(IEvent<ValidationFailed> failed, NegotiationView view)
    {
        if (view.FindAttempt(failed.Data.Attempt) is { } attempt)
        {
            attempt.Validation = ValidationView.From(failed.Data.Measurements, failed.Data.Failure, failed.Data.Reasons);
        }

        view.UpdatedAt = failed.Timestamp;
    }

    public static void Apply(IEvent<AllocationCommitted> committed, NegotiationView view)
    {
        view.Allocation = committed.Data.Allocation;
        view.CommitRationale = committed.Data.Rationale;
        view.CommittedWithoutTrial = committed.Data.WithoutTrial;
        view.Pool = committed.Data.Pool;
        view.Status = NegotiationStatus.Committed;
        view.UpdatedAt = committed.Timestamp;
    }

    public static void Apply(IEvent<NegotiationFailed> failed, NegotiationView view)
    {
        view.FailureReason = failed.Data.Reason;
        view.Status = NegotiationStatus.Failed;
        view.UpdatedAt = failed.Timestamp;
    }

    public static void Apply(IEvent<ShadowCostRecorded> recorded, NegotiationView view)
    {
        if (view.FindAttempt(recorded.Data.Attempt) is { } attempt)
        {
            attempt.Cost = (attempt.Cost ?? 0m) + recorded.Data.Cost;
        }

        view.Cost.Amount += recorded.Data.Cost;
        view.Cost.Currency = recorded.Data.Currency;
        view.Cost.ShadowSeconds += recorded.Data.ShadowSeconds;
        view.UpdatedAt = recorded.Timestamp;
    }

    public static void Apply(IEvent<AllocationReleased> released, NegotiationView view)
    {
        view.ReleasedAt = released.Data.ReleasedAt;
        view.UpdatedAt = released.Timestamp;
    }

    public static void Apply(IEvent<CommittedAllocationPriced> priced, NegotiationView view)
    {
        view.Cost.Currency = priced.Data.Currency;
        view.Cost.CommittedPerHour = priced.Data.CostPerHour;
        view.Cost.Savings = priced.Data.Savings;
        view.UpdatedAt = priced.Timestamp;
    }

    /// <summary>
    /// Moves the status forward; trial events that arrive after the end never reopen a negotiation.
    /// </summary>
    private static void Advance(NegotiationView view, NegotiationStatus status, DateTimeOffset at)
    {
        if (view.Status is not (NegotiationStatus.Committed or NegotiationStatus.Failed))
        {
            view.Status = status;
        }

        view.UpdatedAt = at;
    }
}
