using System.ComponentModel.DataAnnotations;
using EventShadow.Contracts;
using EventShadow.Negotiator.Allocation;

namespace EventShadow.Negotiator;

/// <summary>
/// How the Negotiator proposes and renegotiates allocations, from the <c>Negotiation</c> section.
/// </summary>
public sealed class NegotiationOptions : IValidatableObject
{
    public const string SectionName = "Negotiation";

    /// <summary>Shadow trials per negotiation before it fails.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 4;

    [Range(16, 1_048_576)]
    public int MinMemoryMiB { get; set; } = 32;

    /// <summary>Largest memory a renegotiation may propose.</summary>
    [Range(16, 1_048_576)]
    public int MaxMemoryMiB { get; set; } = 8192;

    [Range(1, 1_024_000)]
    public int MinCpuMillicores { get; set; } = 50;

    /// <summary>Largest CPU a renegotiation may propose.</summary>
    [Range(1, 1_024_000)]
    public int MaxCpuMillicores { get; set; } = 4000;

    /// <summary>Factor applied to memory after an OOM kill, and to CPU after throttling kept the workload from getting ready.</summary>
    [Range(1.1, 10.0)]
    public double GrowthFactor { get; set; } = 2.0;

    /// <summary>Share of CFS periods throttled above which a workload that never got ready is treated as short of CPU.</summary>
    [Range(0.0, 1.0)]
    public double CpuStarvedThrottleRatio { get; set; } = 0.2;

    /// <summary>Seconds an attempt may take from its proposal to its trial result before the negotiation fails.</summary>
    /// <remarks>
    /// The default leaves about a minute for the claim and the wait for a validation slot above the
    /// Validator's longest validation with its defaults, 172 s (a database suite whose peak keeps growing).
    /// </remarks>
    [Range(10, 86_400)]
    public int AttemptTimeoutSeconds { get; set; } = 240;

    /// <summary>Seconds a whole negotiation may take before it fails.</summary>
    [Range(10, 604_800)]
    public int DeadlineSeconds { get; set; } = 900;

    /// <summary>How often the deadline watcher looks for negotiations past a deadline, in seconds.</summary>
    [Range(1, 3600)]
    public int DeadlineCheckSeconds { get; set; } = 2;

    /// <summary>Margin added to the 95th percentile of measured peaks when history recommends memory.</summary>
    [Range(0.0, 2.0)]
    public double HistoryMargin { get; set; } = 0.15;

    /// <summary>Complete trials of a profile needed before their peaks guide a workload with no history of its own.</summary>
    [Range(1, 1000)]
    public int MinProfileTrials { get; set; } = 3;

    /// <summary>Margin added to a passed trial's peak when the committed allocation is tightened.</summary>
    [Range(0.0, 2.0)]
    public double CommitMargin { get; set; } = 0.15;

    /// <summary>
    /// Profiles whose trial runs the real work, so that a passed trial's peak may tighten the committed
    /// memory. Servers (databases, caches, web servers) see only a short smoke load in a trial and keep
    /// the tried allocation.
    /// </summary>
    public ISet<WorkloadProfile> TightenProfiles { get; set; } = new HashSet<WorkloadProfile> { WorkloadProfile.Batch };

    /// <summary>When a negotiation commits from usage history without a shadow trial.</summary>
    public FastPathOptions FastPath { get; set; } = new();

    /// <summary>Allocation proposed when the manifest states nothing, per workload profile.</summary>
    public IDictionary<WorkloadProfile, ResourceAllocation> Defaults { get; set; } = new Dictionary<WorkloadProfile, ResourceAllocation>
    {
        [WorkloadProfile.Generic] = new(250, 256),
        [WorkloadProfile.Database] = new(500, 512),
        [WorkloadProfile.Cache] = new(250, 256),
        [WorkloadProfile.SearchEngine] = new(1000, 2048),
        [WorkloadProfile.JvmService] = new(500, 1024),
        [WorkloadProfile.WebServer] = new(250, 128),
        [WorkloadProfile.GpuInference] = new(2000, 8192),
        [WorkloadProfile.Batch] = new(500, 256),
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinMemoryMiB > MaxMemoryMiB)
        {
            yield return new ValidationResult(
                $"Negotiation:MinMemoryMiB ({MinMemoryMiB}) is above Negotiation:MaxMemoryMiB ({MaxMemoryMiB}).",
                [nameof(MinMemoryMiB), nameof(MaxMemoryMiB)]);
        }

        if (MinCpuMillicores > MaxCpuMillicores)
        {
            yield return new ValidationResult(
                $"Negotiation:MinCpuMillicores ({MinCpuMillicores}) is above Negotiation:MaxCpuMillicores ({MaxCpuMillicores}).",
                [nameof(MinCpuMillicores), nameof(MaxCpuMillicores)]);
        }

        // Data annotations of a nested object are not checked by ValidateDataAnnotations.
        var fastPathResults = new List<ValidationResult>();
        Validator.TryValidateObject(FastPath, new ValidationContext(FastPath), fastPathResults, validateAllProperties: true);
        foreach (var result in fastPathResults)
        {
            yield return new ValidationResult(
                $"Negotiation:FastPath: {result.ErrorMessage}",
                result.MemberNames.Select(member => $"{nameof(FastPath)}.{member}").ToList());
        }

        foreach (var (profile, allocation) in Defaults)
        {
            if (allocation.CpuMillicores <= 0 || allocation.MemoryMiB <= 0)
            {
                yield return new ValidationResult(
                    $"Negotiation:Defaults:{profile} must have positive CpuMillicores and MemoryMiB, not {allocation}.",
                    [nameof(Defaults)]);
            }
        }
    }
}

/// <summary>
/// Limits of the HTTP API, from the <c>Api</c> section.
/// </summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Largest partial task definition accepted, in bytes.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxDefinitionBytes { get; set; } = 1024 * 1024;

    /// <summary>How often <c>GET /negotiation/{id}/events</c> reads the negotiation's stream for new events, in milliseconds.</summary>
    [Range(50, 10_000)]
    public int EventStreamPollingMilliseconds { get; set; } = 250;
}
