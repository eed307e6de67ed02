using EventShadow.Contracts;
using EventShadow.Negotiator.Views;

namespace EventShadow.Negotiator.Validation;

public enum ValidationRunStatus
{
    /// <summary>Accepted and stored; the Validator has not started it.</summary>
    Queued,

    /// <summary>The Validator has locked the shadow and runs the suite.</summary>
    Running,

    Passed,

    Failed,

    /// <summary>The shadow could not be validated, for example because it was removed; see the reason.</summary>
    Rejected,
}

/// <summary>
/// Read model of one on-demand validation, served by <c>GET /validation/{id}</c>.
/// </summary>
public sealed class ValidationRunView
{
    public Guid Id { get; set; }

    public ValidationRunStatus Status { get; set; }

    public Guid NegotiationId { get; set; }

    public int Attempt { get; set; }

    public string ShadowId { get; set; } = "";

    public ResourceAllocation Allocation { get; set; } = new(0, 0);

    /// <summary>The suite asked for, or null for the suite of the workload's profile, until the run names the suite it ran.</summary>
    public string? Suite { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>When the run passed, failed or was rejected.</summary>
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>Verdict and measurements once it passed or failed.</summary>
    public ValidationView? Validation { get; set; }

    /// <summary>Why the shadow could not be validated, once rejected.</summary>
    public string? RejectionReason { get; set; }
}
