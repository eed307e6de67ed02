namespace EventShadow.Contracts;

// On-demand validations (POST /validate). Each has its own event stream keyed by the validation id,
// apart from the negotiation's stream, so that the negotiation saga never takes their verdicts for
// the verdict of its own trial.

/// <summary>
/// Asks the Validator to run a validation suite on a configured shadow. The Negotiator stores it as
/// the first event of the validation's stream, and the event relay delivers it after that commit, so
/// an accepted request is never lost.
/// </summary>
/// <param name="ValidationId">Id of the validation and of its event stream.</param>
/// <param name="Shadow">The shadow to validate, as the PoolManager configured it.</param>
/// <param name="Suite">Name of the suite to run; null selects the suite of the shadow's workload profile.</param>
public sealed record ValidateShadow(
    Guid ValidationId,
    ShadowConfigured Shadow,
    string? Suite,
    DateTimeOffset RequestedAt);

/// <summary>
/// The Validator started an on-demand validation: the shadow is free of other validations and a slot
/// of <c>Validation:MaxConcurrentValidations</c> is taken.
/// </summary>
public sealed record ValidationStarted(Guid ValidationId, string ShadowId, string Suite, DateTimeOffset StartedAt);

/// <summary>
/// An on-demand validation ran to a verdict: passed when <paramref name="Failure"/> is null.
/// </summary>
/// <param name="Reasons">What went wrong, in words an operator can act on. Empty when it passed.</param>
public sealed record ValidationCompleted(
    Guid ValidationId,
    Guid NegotiationId,
    int Attempt,
    string ShadowId,
    string Suite,
    ValidationFailure? Failure,
    IReadOnlyList<string> Reasons,
    ValidationMeasurements Measurements,
    DateTimeOffset CompletedAt);

/// <summary>
/// An on-demand validation could not run. <paramref name="Reason"/> explains why, for example that
/// the shadow was removed or its workload no longer runs.
/// </summary>
public sealed record ValidationRejected(Guid ValidationId, string ShadowId, string Reason, DateTimeOffset RejectedAt);

/// <summary>
/// Rules for validation suite names, which appear in configuration keys, requests and measurements.
/// </summary>
public static class ValidationSuiteName
{
    public const int MaxLength = 64;

    /// <summary>True for 1 to <see cref="MaxLength"/> ASCII letters, digits, '-' and '_'.</summary>
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= MaxLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
