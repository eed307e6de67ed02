using System.Text.Json;

namespace EventShadow.Cli.Api;

// The Negotiator's HTTP responses as this tool reads them. They are declared here, not shared with the
// Negotiator, so that the tool depends on the wire format only. Optional fields are nullable: a
// server that omits one still renders.

/// <summary>CPU and memory granted to a task or proposed for one attempt.</summary>
public sealed record Allocation(int CpuMillicores, int MemoryMiB);

/// <summary>An amount of money in one currency.</summary>
public sealed record Cost(decimal Amount, string? Currency);

/// <summary>One resource hint found in the definition, with where it came from.</summary>
public sealed record ResourceHint(string Name, string? Value, string? Source);

/// <summary>What the Validator measured in the shadow for one attempt.</summary>
public sealed record AttemptValidation(
    bool Passed,
    string? Failure,
    IReadOnlyList<string>? Reasons,
    double? PeakMemoryMiB,
    bool? OomKilled,
    int? OomKillCount,
    int? ExitCode,
    double? TimeToReadySeconds,
    long? ThrottledPeriods,
    long? TotalPeriods);

/// <summary>One proposal of an allocation, the shadow it ran in and, once known, its validation.</summary>
public sealed record NegotiationAttempt(
    int Attempt,
    Allocation? Allocation,
    string? Rationale,
    string? ShadowId,
    bool? ColdStart,
    AttemptValidation? Validation,
    decimal? Cost = null,
    string? Pool = null,
    IReadOnlyList<AllocationAlternative>? Alternatives = null);

/// <summary>An allocation the Negotiator could have proposed instead of an attempt's.</summary>
public sealed record AllocationAlternative(string Label, string? Pool, Allocation? Allocation, string? Rationale, decimal? HourlyCost);

/// <summary>Body of <c>GET /negotiation/{id}</c>.</summary>
public sealed record NegotiationView(
    string Id,
    string? Task,
    string? Source,
    string? Format,
    string Status,
    string? Profile,
    IReadOnlyList<ResourceHint>? Hints,
    IReadOnlyList<NegotiationAttempt>? Attempts,
    Allocation? Allocation,
    string? FailureReason,
    Cost? Cost,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? UpdatedAt,
    bool Settled = false,
    string? Pool = null,
    string? CommitRationale = null,
    DateTimeOffset? ReleasedAt = null,
    bool CommittedWithoutTrial = false);

/// <summary>
/// One negotiation started by <c>POST /negotiate</c>; <see cref="Allocation"/> and <see cref="Pool"/> are set
/// when it committed at submission from the workload's trusted history.
/// </summary>
public sealed record SubmittedNegotiation(string Id, string? Task, string? Location, Allocation? Allocation = null, string? Pool = null);

/// <summary>Body of the <c>202 Accepted</c> response to <c>POST /negotiate</c>.</summary>
public sealed record SubmitResponse(string Id, string? Location, IReadOnlyList<SubmittedNegotiation>? Negotiations);

/// <summary>One row of <c>GET /negotiations</c>, where <see cref="Attempts"/> is a count.</summary>
public sealed record NegotiationSummary(string Id, string? Task, string Status, Allocation? Allocation, int Attempts, DateTimeOffset? UpdatedAt);

/// <summary>Body of <c>GET /negotiations</c>: one page of rows and the total that match the filter.</summary>
public sealed record NegotiationPage(IReadOnlyList<NegotiationSummary> Items, int Total);

/// <summary>Body of <c>POST /negotiation/{id}/release</c>: the pool the capacity went back to.</summary>
public sealed record ReleaseResponse(string Id, string Pool, bool AlreadyReleased);

/// <summary>An RFC 9457 problem details body. <see cref="Errors"/> maps a field to what is wrong with it.</summary>
public sealed record Problem(string? Type, string? Title, int? Status, string? Detail, JsonElement? Errors);

/// <summary>Negotiation statuses the Negotiator reports.</summary>
public static class NegotiationStatus
{
    public const string Submitted = "Submitted";
    public const string Proposed = "Proposed";
    public const string Configuring = "Configuring";
    public const string Validating = "Validating";
    public const string Committed = "Committed";
    public const string Failed = "Failed";

    public static IReadOnlyList<string> All { get; } = [Submitted, Proposed, Configuring, Validating, Committed, Failed];
}
