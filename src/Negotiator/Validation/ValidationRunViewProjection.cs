using EventShadow.Contracts;
using EventShadow.Negotiator.Views;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventShadow.Negotiator.Validation;

/// <summary>
/// Builds <see cref="ValidationRunView"/> from an on-demand validation's stream.
/// </summary>
public sealed partial class ValidationRunViewProjection : SingleStreamProjection<ValidationRunView, Guid>
{
    public static ValidationRunView Create(IEvent<ValidateShadow> requested) => new()
    {
        Id = requested.Data.ValidationId,
        Status = ValidationRunStatus.Queued,
        NegotiationId = requested.Data.Shadow.NegotiationId,
        Attempt = requested.Data.Shadow.Attempt,
        ShadowId = requested.Data.Shadow.ShadowId,
        Allocation = requested.Data.Shadow.Allocation,
        Suite = requested.Data.Suite,
        RequestedAt = requested.Data.RequestedAt,
    };

    public static void Apply(IEvent<ValidationStarted> started, ValidationRunView view)
    {
        view.Status = ValidationRunStatus.Running;
        view.Suite = started.Data.Suite;
        view.StartedAt = started.Data.StartedAt;
    }

    public static void Apply(IEvent<ValidationCompleted> completed, ValidationRunView view)
    {
        var data = completed.Data;
        view.Status = data.Failure is null ? ValidationRunStatus.Passed : ValidationRunStatus.Failed;
        view.Suite = data.Suite;
        view.Validation = ValidationView.From(data.Measurements, data.Failure, data.Reasons);
        view.EndedAt = data.CompletedAt;
    }

    public static void Apply(IEvent<ValidationRejected> rejected, ValidationRunView view)
    {
        view.Status = ValidationRunStatus.Rejected;
        view.RejectionReason = rejected.Data.Reason;
        view.EndedAt = rejected.Data.RejectedAt;
    }
}
