using EventShadow.Contracts;
using Microsoft.Extensions.Options;

namespace EventShadow.Negotiator.Allocation;

/// <summary>
/// A proposal with the reason for it, in words an operator can check.
/// </summary>
public sealed record Proposal(ResourceAllocation Allocation, string Rationale);

/// <summary>
/// Outcome of a failed validation: try again with <see cref="Next"/>, or give up for <see cref="Reason"/>.
/// </summary>
public sealed record Renegotiation(Proposal? Next, string? Reason)
{
    public static Renegotiation Retry(Proposal next) => new(next, null);

    public static Renegotiation GiveUp(string reason) => new(null, reason);
}

/// <summary>
/// Turns a task's requirements into a first proposal, and a failed validation into the next one.
/// </summary>
public sealed class AllocationRecommender(IOptions<NegotiationOptions> options)
{
    private NegotiationOptions Settings => options.Value;

    /// <summary>
    /// Proposes the manifest's limits where it states them, else the larger of its request and the
    /// profile's default, clamped to the configured minimum and maximum.
    /// </summary>
    public Proposal Propose(WorkloadProfile profile, ContainerSpec container)
    {
        var fallback = Settings.Defaults.TryGetValue(profile, out var configured)
            ? configured
            : Settings.Defaults[WorkloadProfile.Generic];

        var (memory, memoryReason) = Choose(
            "memory", container.Limits.MemoryMiB, container.Requests.MemoryMiB, fallback.MemoryMiB, "MiB",
            Settings.MinMemoryMiB, Settings.MaxMemoryMiB);
        var (cpu, cpuReason) = Choose(
            "CPU", container.Limits.CpuMillicores, container.Requests.CpuMillicores, fallback.CpuMillicores, "m",
            Settings.MinCpuMillicores, Settings.MaxCpuMillicores);

        var rationale = $"First proposal for a {Describe(profile)} workload: {memoryReason}; {cpuReason}.";
        return new Proposal(new ResourceAllocation(cpu, memory), rationale);
    }

    /// <summary>
    /// Decides what follows a failed validation of attempt <paramref name="attempt"/> with <paramref name="current"/>.
    /// </summary>
    /// <remarks>
    /// A run the kernel killed for memory measured nothing beyond the limit it hit, so its peak is
    /// not the workload's need: memory grows by the growth factor from the limit. A workload that
    /// never got ready while heavily throttled gets more CPU. Exits and other failures are not a
    /// matter of resources, so the negotiation ends with the validator's reasons.
    /// </remarks>
    public Renegotiation Renegotiate(int attempt, ResourceAllocation current, ValidationFailed failure)
    {
        if (attempt >= Settings.MaxAttempts)
        {
            return Renegotiation.GiveUp(
                $"Attempt {attempt} of {Settings.MaxAttempts} failed ({Summarize(failure)}); no attempts are left.");
        }

        switch (failure.Failure)
        {
            case ValidationFailure.OutOfMemory:
                return GrowMemory(current, failure);

            case ValidationFailure.NotReady when IsCpuStarved(failure.Measurements):
                return GrowCpu(current, failure);

            default:
                return Renegotiation.GiveUp(
                    $"Validation of attempt {attempt} failed for a reason more resources would not fix: {Summarize(failure)}");
        }
    }

    private Renegotiation GrowMemory(ResourceAllocation current, ValidationFailed failure)
    {
        if (current.MemoryMiB >= Settings.MaxMemoryMiB)
        {
            return Renegotiation.GiveUp(
                $"The workload was OOM-killed at {current.MemoryMiB} MiB, which is already the maximum of " +
                $"{Settings.MaxMemoryMiB} MiB (Negotiation:MaxMemoryMiB).");
        }

        var memory = Math.Min(Settings.MaxMemoryMiB, (int)Math.Ceiling(current.MemoryMiB * Settings.GrowthFactor));
        var rationale =
            $"Attempt {failure.Attempt} was OOM-killed at its {current.MemoryMiB} MiB limit " +
            $"({failure.Measurements.OomKillCount} kills), so its peak only shows the limit: raising memory " +
            $"{Settings.GrowthFactor:0.##}x to {memory} MiB and keeping {current.CpuMillicores}m CPU.";
        return Renegotiation.Retry(new Proposal(current with { MemoryMiB = memory }, rationale));
    }

    private Renegotiation GrowCpu(ResourceAllocation current, ValidationFailed failure)
    {
        if (current.CpuMillicores >= Settings.MaxCpuMillicores)
        {
            return Renegotiation.GiveUp(
                $"The workload never got ready while throttled at {current.CpuMillicores}m CPU, which is already " +
                $"the maximum of {Settings.MaxCpuMillicores}m (Negotiation:MaxCpuMillicores).");
        }

        var cpu = Math.Min(Settings.MaxCpuMillicores, (int)Math.Ceiling(current.CpuMillicores * Settings.GrowthFactor));
        var measurements = failure.Measurements;
        var rationale =
            $"Attempt {failure.Attempt} never got ready and was throttled in {measurements.ThrottledPeriods} of " +
            $"{measurements.TotalPeriods} CPU periods: raising CPU to {cpu}m and keeping {current.MemoryMiB} MiB.";
        return Renegotiation.Retry(new Proposal(current with { CpuMillicores = cpu }, rationale));
    }

    private bool IsCpuStarved(ValidationMeasurements measurements) =>
        measurements.TotalPeriods > 0 &&
        (double)measurements.ThrottledPeriods / measurements.TotalPeriods >= Settings.CpuStarvedThrottleRatio;

    private static (int Value, string Reason) Choose(
        string resource, int? limit, int? request, int fallback, string unit, int minimum, int maximum)
    {
        int value;
        string reason;
        if (limit is { } stated)
        {
            value = stated;
            reason = $"{resource} {stated}{Space(unit)}{unit} from the manifest's limit";
        }
        else if (request is { } requested && requested > fallback)
        {
            value = requested;
            reason = $"{resource} {requested}{Space(unit)}{unit} from the manifest's request, above the default of {fallback}{Space(unit)}{unit}";
        }
        else
        {
            value = fallback;
            reason = request is { } smaller
                ? $"{resource} {fallback}{Space(unit)}{unit}, the profile default, above the manifest's request of {smaller}{Space(unit)}{unit}"
                : $"{resource} {fallback}{Space(unit)}{unit}, the profile default, as the manifest states none";
        }

        var clamped = Math.Clamp(value, minimum, maximum);
        if (clamped != value)
        {
            reason += $", clamped to {clamped}{Space(unit)}{unit}";
        }

        return (clamped, reason);
    }

    private static string Space(string unit) => unit == "m" ? "" : " ";

    private static string Summarize(ValidationFailed failure) =>
        failure.Reasons.Count > 0 ? string.Join("; ", failure.Reasons) : failure.Failure.ToString();

    private static string Describe(WorkloadProfile profile) => profile switch
    {
        WorkloadProfile.JvmService => "JVM service",
        WorkloadProfile.GpuInference => "GPU inference",
        WorkloadProfile.SearchEngine => "search engine",
        WorkloadProfile.WebServer => "web server",
        _ => profile.ToString().ToLowerInvariant(),
    };
}
