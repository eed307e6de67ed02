namespace EventShadow.Contracts;

// Events of one negotiation. Each is appended to the negotiation's event stream first and reaches
// RabbitMQ only after that commit, so consumers see them at least once and must be idempotent.

/// <summary>
/// A task arrived and was read without error.
/// </summary>
/// <param name="TaskName">Name that identifies the task in its definition, such as <c>Deployment/redis/redis</c>.</param>
/// <param name="SourceName">File or sender the definition came from.</param>
/// <param name="Format">Format it was read as, for example <c>kubernetes</c> or <c>compose</c>.</param>
public sealed record PartialTaskSubmitted(
    Guid NegotiationId,
    string TaskName,
    string SourceName,
    string Format,
    ContainerSpec Container,
    DateTimeOffset SubmittedAt);

/// <summary>
/// The Negotiator derived the task's profile and resource hints; negotiation starts from here.
/// </summary>
/// <param name="Container">The container to negotiate for, as submitted.</param>
/// <param name="Hints">Resource facts with the document, path and line each came from.</param>
public sealed record RequirementsAnalyzed(
    Guid NegotiationId,
    string TaskName,
    WorkloadProfile Profile,
    ContainerSpec Container,
    IReadOnlyList<ResourceHint> Hints);

/// <summary>
/// The Negotiator proposes an allocation for an attempt; a shadow trial follows.
/// </summary>
/// <param name="Attempt">1 for the first proposal, one more for every renegotiation.</param>
/// <param name="Rationale">Why these numbers, in words an operator can check.</param>
/// <param name="Container">The container to try, so that workers need not read the stream.</param>
/// <param name="RunsToCompletion">
/// True for a task that ends by itself, such as a Kubernetes Job: its exit with code 0 is success.
/// </param>
/// <param name="Pool">Resource pool that leased the allocation's capacity for this attempt.</param>
/// <param name="Alternatives">Other allocations the Negotiator could have proposed, best first.</param>
/// <param name="Gpus">GPUs the task asks for, leased with the allocation.</param>
public sealed record AllocationProposed(
    Guid NegotiationId,
    int Attempt,
    ResourceAllocation Allocation,
    string Rationale,
    WorkloadProfile Profile,
    ContainerSpec Container,
    bool RunsToCompletion = false,
    string Pool = "default",
    IReadOnlyList<AllocationAlternative>? Alternatives = null,
    int Gpus = 0);

/// <summary>
/// The PoolManager took a shadow container for an attempt and is configuring it.
/// </summary>
/// <param name="ShadowId">Docker container id.</param>
/// <param name="ColdStart">True when the shadow was created on demand rather than taken warm from a pool.</param>
/// <param name="Owner">
/// <c>Shadows:InstanceName</c> of the PoolManager that created or claimed the shadow; the shadow runs on
/// that PoolManager's Docker host. Null in events recorded before owners were kept, when one Docker host served every shadow.
/// </param>
public sealed record ShadowClaimed(
    Guid NegotiationId,
    int Attempt,
    string ShadowId,
    string ShadowName,
    string Image,
    bool ColdStart,
    DateTimeOffset ClaimedAt,
    string? Owner = null);

/// <summary>
/// How the Validator checks that a workload is ready: a command run inside the shadow that exits with 0.
/// </summary>
public sealed record ReadinessProbe(IReadOnlyList<string> Command, string? User);

/// <summary>
/// The shadow runs the workload with the proposed allocation applied.
/// </summary>
/// <param name="WorkloadExecId">Docker exec id of the workload process, so its exit can be observed.</param>
/// <param name="Readiness">How to tell the workload is ready; null when it has no readiness check.</param>
/// <param name="RunsToCompletion">Copied from the proposal: an exit with code 0 passes validation.</param>
/// <param name="Profile">Copied from the proposal: selects the validation suite. Null in events recorded before it was copied.</param>
/// <param name="Owner">
/// <c>Shadows:InstanceName</c> of the PoolManager whose Docker host runs the shadow, so that a Validator
/// of that host validates it. Null in events recorded before owners were kept, when one Docker host served every shadow.
/// </param>
public sealed record ShadowConfigured(
    Guid NegotiationId,
    int Attempt,
    string ShadowId,
    ResourceAllocation Allocation,
    string WorkloadExecId,
    ReadinessProbe? Readiness,
    DateTimeOffset ConfiguredAt,
    bool RunsToCompletion = false,
    WorkloadProfile? Profile = null,
    string? Owner = null);

/// <summary>
/// No shadow could be configured for an attempt; <paramref name="Reason"/> says why and what to change.
/// </summary>
public sealed record ShadowUnavailable(Guid NegotiationId, int Attempt, string Reason);

/// <summary>
/// What the Validator measured during one validation run.
/// </summary>
/// <param name="Started">The workload process started.</param>
/// <param name="StayedUp">The workload was still running at the end of the watch.</param>
/// <param name="OomKilled">The kernel killed a process of the shadow for exceeding the memory limit.</param>
/// <param name="OomKillCount">Processes killed that way during the run.</param>
/// <param name="PeakMemoryMiB">Highest memory use of the shadow's cgroup during the run.</param>
/// <param name="ExitCode">Exit code of the workload if it ended during the run.</param>
/// <param name="TimeToReadySeconds">
/// Seconds from <see cref="ShadowConfigured.ConfiguredAt"/> until the first passing readiness check,
/// including any time the validation waited in the queue; null if it never passed or there is no check.
/// </param>
/// <param name="ThrottledPeriods">CFS periods in which the shadow was throttled.</param>
/// <param name="TotalPeriods">CFS periods elapsed while the shadow ran.</param>
/// <param name="WatchedSeconds">Seconds from the start of the validation to the end of observation.</param>
/// <param name="Suite">Name of the validation suite that ran; null in measurements recorded before suites.</param>
/// <param name="SmokeLoad">What the suite's smoke load did; null when the suite has none or it did not run.</param>
/// <param name="MemoryHeadroomPercent">
/// Share of the memory limit still free at peak use, page cache included; null when the peak was not measured.
/// </param>
/// <param name="PeakSettled">
/// Whether <paramref name="PeakMemoryMiB"/> is the workload's whole peak: true when the workload ended
/// or its peak stopped growing before the observation ended, false when it was still growing when the
/// longest watch allowed ran out (the real peak is higher), null when it was not measured.
/// </param>
public sealed record ValidationMeasurements(
    bool Started,
    bool StayedUp,
    bool OomKilled,
    int OomKillCount,
    double PeakMemoryMiB,
    int? ExitCode,
    double? TimeToReadySeconds,
    long ThrottledPeriods,
    long TotalPeriods,
    double WatchedSeconds,
    string? Suite = null,
    SmokeLoadMeasurements? SmokeLoad = null,
    double? MemoryHeadroomPercent = null,
    bool? PeakSettled = null);

/// <summary>
/// Why a validation failed, so that the saga can renegotiate the right resource.
/// </summary>
public enum ValidationFailure
{
    OutOfMemory,
    NotReady,
    Exited,

    /// <summary>The suite's smoke load failed, timed out or fell below its threshold, without an OOM kill.</summary>
    SmokeLoadFailed,
}

public sealed record ValidationPassed(
    Guid NegotiationId,
    int Attempt,
    string ShadowId,
    ValidationMeasurements Measurements);

/// <param name="Reasons">What went wrong, in words an operator can act on.</param>
public sealed record ValidationFailed(
    Guid NegotiationId,
    int Attempt,
    string ShadowId,
    ValidationFailure Failure,
    IReadOnlyList<string> Reasons,
    ValidationMeasurements Measurements);

/// <summary>
/// The negotiation ended with a validated allocation.
/// </summary>
/// <param name="Attempt">The attempt whose trial passed; 0 when the allocation was committed without a trial.</param>
/// <param name="Allocation">What the scheduler should launch: the tried allocation, or less when the trial's peak allows.</param>
/// <param name="Rationale">Why this allocation, when it differs from the one tried or none was tried.</param>
/// <param name="WithoutTrial">True when the workload's usage history was trusted enough to commit with no shadow trial.</param>
public sealed record AllocationCommitted(
    Guid NegotiationId,
    int Attempt,
    ResourceAllocation Allocation,
    DateTimeOffset CommittedAt,
    string? Rationale = null,
    string Pool = "default",
    int Gpus = 0,
    bool WithoutTrial = false);

/// <summary>
/// The negotiation ended without an allocation; <paramref name="Reason"/> says why.
/// </summary>
public sealed record NegotiationFailed(
    Guid NegotiationId,
    int Attempt,
    string Reason,
    DateTimeOffset FailedAt);

/// <summary>
/// A shadow was removed. Claimed and released times bound what it cost.
/// </summary>
public sealed record ShadowReleased(
    Guid NegotiationId,
    int Attempt,
    string ShadowId,
    ResourceAllocation Allocation,
    DateTimeOffset ClaimedAt,
    DateTimeOffset ReleasedAt);

/// <summary>
/// The CostLedger priced a shadow's lifetime.
/// </summary>
/// <param name="ShadowSeconds">Seconds from claim to release.</param>
/// <param name="Cost">Price of those seconds at the allocation's CPU and memory, in <paramref name="Currency"/>.</param>
/// <param name="PriceList">Every price list version used, in order, separated by commas.</param>
/// <param name="Profile">Workload profile of the negotiation; null in costs recorded before it was kept.</param>
/// <param name="Segments">The lifetime split by UTC day and price list version; null in costs recorded before the split.</param>
/// <param name="ColdStart">Whether the shadow was created on demand rather than taken warm; null when its claim is unknown.</param>
/// <param name="TimeToReadySeconds">The attempt's measured time to ready, when validation measured one.</param>
public sealed record ShadowCostRecorded(
    Guid NegotiationId,
    int Attempt,
    string ShadowId,
    double ShadowSeconds,
    decimal Cost,
    string Currency,
    string Pool,
    string PriceList,
    WorkloadProfile? Profile = null,
    IReadOnlyList<CostSegment>? Segments = null,
    bool? ColdStart = null,
    double? TimeToReadySeconds = null);
