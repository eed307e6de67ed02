using System.ComponentModel.DataAnnotations;
using EventShadow.Contracts;

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
}
