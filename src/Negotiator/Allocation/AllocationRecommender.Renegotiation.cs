using EventShadow.Contracts;

namespace EventShadow.Negotiator.Allocation;

public sealed partial class AllocationRecommender
{
    /// <summary>
    /// Decides what follows a failed validation of attempt <paramref name="attempt"/> with <paramref name="current"/>.
    /// </summary>
    /// <remarks>
    /// A run the kernel killed for memory measured nothing beyond the limit it hit, so its peak is not
    /// the workload's need: memory grows by the growth factor from that limit, or to what complete
    /// trials of the same workload measured when that is more. A manifest's memory limit is an upper
    /// bound: an OOM kill at it ends the negotiation with the advice to raise it. A workload that never
    /// got ready, or whose smoke load failed, while heavily throttled gets more CPU. Exits and other
    /// failures are not a matter of resources, so the negotiation ends with the validator's reasons.
    /// </remarks>
    public Renegotiation Renegotiate(
        int attempt, ResourceAllocation current, ValidationFailed failure, ContainerSpec? container = null, UsageEvidence? history = null)
    {
        if (attempt >= Settings.MaxAttempts)
        {
            return Renegotiation.GiveUp(
                $"Attempt {attempt} of {Settings.MaxAttempts} failed ({Summarize(failure)}); no attempts are left.");
        }

        switch (failure.Failure)
        {
            case ValidationFailure.OutOfMemory:
                return GrowMemory(current, failure, container?.Limits.MemoryMiB, history);

            case ValidationFailure.NotReady or ValidationFailure.SmokeLoadFailed when IsCpuStarved(failure.Measurements):
                return GrowCpu(current, failure, container?.Limits.CpuMillicores);

            default:
                return Renegotiation.GiveUp(
                    $"Validation of attempt {attempt} failed for a reason more resources would not fix: {Summarize(failure)}");
        }
    }

    /// <summary>
    /// Returns the allocation to commit after a passed trial: the tried one, or less memory when the
    /// profile is one whose trial runs the real work (<see cref="NegotiationOptions.TightenProfiles"/>),
    /// the trial saw the whole peak, and that peak plus <see cref="NegotiationOptions.CommitMargin"/> fits
    /// in less. The manifest's request, the configured minimum and the recommendation from the workload's
    /// own earlier trials stay lower bounds, so one trial that saw less than earlier ones cannot undercut them.
    /// </summary>
    public Proposal Commit(
        ResourceAllocation tried, ValidationMeasurements measurements, WorkloadProfile profile, ContainerSpec? container = null, UsageEvidence? history = null)
    {
        var untouched = new Proposal(tried, $"the tried allocation, which passed validation with a peak of {measurements.PeakMemoryMiB:0.#} MiB");
        if (!Settings.TightenProfiles.Contains(profile) || measurements.PeakMemoryMiB <= 0)
        {
            return untouched;
        }

        if (measurements.PeakSettled == false)
        {
            return untouched with
            {
                Rationale = $"the tried allocation: the trial passed, but its peak of {measurements.PeakMemoryMiB:0.#} MiB was still growing when the watch ended",
            };
        }

        var needed = UsageEvidence.RoundUp(measurements.PeakMemoryMiB * (1 + Settings.CommitMargin));
        var memory = Math.Max(needed, Math.Max(container?.Requests.MemoryMiB ?? 0, Settings.MinMemoryMiB));
        var reason = $"the peak plus a {Settings.CommitMargin:P0} margin";
        if (history is { OwnTrials: true, MemoryMiB: { } recommended } && recommended > memory)
        {
            memory = recommended;
            reason = $"the recommendation from {history.Reason}, above this trial's peak plus a {Settings.CommitMargin:P0} margin";
        }

        if (memory >= tried.MemoryMiB)
        {
            return untouched;
        }

        var rationale =
            $"the trial of {tried.MemoryMiB} MiB passed with a peak of {measurements.PeakMemoryMiB:0.#} MiB; a {Describe(profile)} " +
            $"trial runs the real work, so {memory} MiB ({reason}) holds it";
        return new Proposal(tried with { MemoryMiB = memory }, rationale);
    }

    private Renegotiation GrowMemory(ResourceAllocation current, ValidationFailed failure, int? manifestLimit, UsageEvidence? history)
    {
        if (manifestLimit is { } limit && current.MemoryMiB >= limit)
        {
            return Renegotiation.GiveUp(
                $"The workload was OOM-killed at {current.MemoryMiB} MiB, the manifest's memory limit, which the manifest " +
                "sets as an upper bound: raise that limit and submit again.");
        }

        if (current.MemoryMiB >= Settings.MaxMemoryMiB)
        {
            return Renegotiation.GiveUp(
                $"The workload was OOM-killed at {current.MemoryMiB} MiB, which is already the maximum of " +
                $"{Settings.MaxMemoryMiB} MiB (Negotiation:MaxMemoryMiB).");
        }

        var grown = (int)Math.Ceiling(current.MemoryMiB * Settings.GrowthFactor);
        var reason = $"raising memory {Settings.GrowthFactor:0.##}x to {grown} MiB";
        if (history?.MemoryMiB is { } measured && measured > grown)
        {
            grown = measured;
            reason = $"raising memory to {measured} MiB from {history.Reason}";
        }

        var memory = Math.Min(Settings.MaxMemoryMiB, grown);
        if (manifestLimit is { } bound && memory > bound)
        {
            memory = bound;
            reason += $", capped at the manifest's limit of {bound} MiB";
        }

        var rationale =
            $"Attempt {failure.Attempt} was OOM-killed at its {current.MemoryMiB} MiB limit " +
            $"({failure.Measurements.OomKillCount} kills), so its peak only shows the limit: {reason}, " +
            $"keeping {current.CpuMillicores}m CPU.";
        return Renegotiation.Retry(new Proposal(current with { MemoryMiB = memory }, rationale));
    }

    private Renegotiation GrowCpu(ResourceAllocation current, ValidationFailed failure, int? manifestLimit)
    {
        var maximum = Math.Min(Settings.MaxCpuMillicores, manifestLimit ?? int.MaxValue);
        if (current.CpuMillicores >= maximum)
        {
            var bound = manifestLimit is { } limit && limit <= Settings.MaxCpuMillicores
                ? $"the manifest's CPU limit of {limit}m"
                : $"the maximum of {Settings.MaxCpuMillicores}m (Negotiation:MaxCpuMillicores)";
            return Renegotiation.GiveUp(
                $"The workload never got ready while throttled at {current.CpuMillicores}m CPU, which is already {bound}.");
        }

        var cpu = Math.Min(maximum, (int)Math.Ceiling(current.CpuMillicores * Settings.GrowthFactor));
        var measurements = failure.Measurements;
        var rationale =
            $"Attempt {failure.Attempt} failed ({failure.Failure}) while throttled in {measurements.ThrottledPeriods} of " +
            $"{measurements.TotalPeriods} CPU periods: raising CPU to {cpu}m and keeping {current.MemoryMiB} MiB.";
        return Renegotiation.Retry(new Proposal(current with { CpuMillicores = cpu }, rationale));
    }

    private bool IsCpuStarved(ValidationMeasurements measurements) =>
        measurements.TotalPeriods > 0 &&
        (double)measurements.ThrottledPeriods / measurements.TotalPeriods >= Settings.CpuStarvedThrottleRatio;
}
