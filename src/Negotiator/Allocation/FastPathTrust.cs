using System.Globalization;
using EventShadow.Contracts;
using EventShadow.Negotiator.History;

namespace EventShadow.Negotiator.Allocation;

/// <summary>
/// Whether a proposal may be committed without a shadow trial, and why or why not.
/// </summary>
/// <param name="ValidatedRuns">Passed, complete trials of the workload in its history.</param>
/// <param name="Reason">For a trusted proposal the rationale of the commit, otherwise what withholds trust.</param>
public sealed record FastPathDecision(bool Trusted, int ValidatedRuns, string Reason);

/// <summary>
/// Decides from a workload's own usage history whether its proposal is safe to commit without a trial.
/// </summary>
/// <remarks>
/// Only the workload's own trials count, never its profile's: other workloads of a profile say little
/// about this one's peak. History is trusted when it has enough validated runs, the latest of them all
/// passed, no trial was OOM-killed recently, the latest run is recent, the memory recommendation no
/// longer moves with a new run, and the proposal gives at least the memory and CPU the runs passed with.
/// </remarks>
public static class FastPathTrust
{
    public static FastPathDecision Decide(
        WorkloadUsage? workload, ResourceAllocation proposal, FastPathOptions options, double historyMargin, DateTimeOffset now)
    {
        if (!options.Enabled)
        {
            return Untrusted(0, "the fast path is disabled (Negotiation:FastPath:Enabled)");
        }

        var samples = workload?.Samples ?? [];
        var validated = samples.Where(IsValidated).ToList();
        if (validated.Count < options.MinValidatedRuns)
        {
            return Untrusted(validated.Count,
                $"{Runs(validated.Count)} of this workload, {options.MinValidatedRuns} needed (Negotiation:FastPath:MinValidatedRuns)");
        }

        var latest = samples.TakeLast(options.MinValidatedRuns).ToList();
        if (latest.Any(sample => !IsValidated(sample)))
        {
            return Untrusted(validated.Count, $"a trial among the latest {options.MinValidatedRuns} of this workload failed");
        }

        var oomSince = now.AddHours(-options.OomLookbackHours);
        if (samples.LastOrDefault(sample => !sample.Complete && sample.RecordedAt > oomSince) is { } killed)
        {
            return Untrusted(validated.Count,
                $"the workload was OOM-killed at {killed.Allocation.MemoryMiB} MiB within the last {options.OomLookbackHours} h");
        }

        var newest = latest[^1].RecordedAt;
        if (newest < now.AddHours(-options.MaxHistoryAgeHours))
        {
            return Untrusted(validated.Count,
                $"the latest validated run is from {newest.ToString("u", CultureInfo.InvariantCulture)}, more than {options.MaxHistoryAgeHours} h ago");
        }

        // The recommendations are compared before rounding to whole steps of UsageEvidence.GranularityMiB:
        // at a few MiB, a peak 0.2 MiB higher can cross a step and move the rounded figure by 50 %.
        var peaks = validated.Select(sample => sample.PeakMemoryMiB).ToList();
        var withLatest = RawRecommendation(peaks, historyMargin);
        var withoutLatest = RawRecommendation(peaks[..^1], historyMargin);
        var change = Math.Abs(withLatest - withoutLatest) / withoutLatest;
        if (change > options.MaxRecommendationChange)
        {
            return Untrusted(validated.Count,
                string.Create(CultureInfo.InvariantCulture, $"the latest run moved the memory recommendation from {withoutLatest:0.#} to {withLatest:0.#} MiB ({Percent(change)}), ") +
                $"more than {Percent(options.MaxRecommendationChange)} (Negotiation:FastPath:MaxRecommendationChange)");
        }

        if (CheckProposal(proposal, latest) is { } shortfall)
        {
            return Untrusted(validated.Count, shortfall);
        }

        return new FastPathDecision(true, validated.Count,
            $"Committed from {Runs(validated.Count)} of this workload, no trial: the latest {options.MinValidatedRuns} passed, " +
            $"none was OOM-killed in {options.OomLookbackHours} h, and the latest run changed the memory recommendation by {Percent(change)}.");
    }

    /// <summary>Returns why the proposal gives less than the latest validated runs passed with, or null.</summary>
    private static string? CheckProposal(ResourceAllocation proposal, List<UsageSample> latest)
    {
        var largestPeak = latest.Max(sample => sample.PeakMemoryMiB);
        if (proposal.MemoryMiB < largestPeak)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the proposed {proposal.MemoryMiB} MiB is below the {largestPeak:0.#} MiB peak of a validated run");
        }

        var leastCpu = latest.Min(sample => sample.Allocation.CpuMillicores);
        return proposal.CpuMillicores < leastCpu
            ? $"the proposed {proposal.CpuMillicores}m CPU is less than any of the latest validated runs had (at least {leastCpu}m)"
            : null;
    }

    private static bool IsValidated(UsageSample sample) => sample.Passed && sample.Complete && sample.PeakMemoryMiB > 0;

    private static double RawRecommendation(List<double> peaks, double margin) =>
        Math.Max(UsageEvidence.GranularityMiB, UsageEvidence.NearestRank(peaks, UsageEvidence.Percentile) * (1 + margin));

    private static FastPathDecision Untrusted(int validatedRuns, string reason) => new(false, validatedRuns, reason);

    private static string Runs(int count) => count == 1 ? "1 validated run" : $"{count} validated runs";

    private static string Percent(double share) => share.ToString("P0", CultureInfo.InvariantCulture);
}
