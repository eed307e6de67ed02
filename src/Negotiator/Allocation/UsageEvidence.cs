using EventShadow.Negotiator.History;

namespace EventShadow.Negotiator.Allocation;

/// <summary>
/// What earlier trials say about a workload's memory: a recommendation with its reason, or nothing
/// when there are too few trials to trust.
/// </summary>
/// <param name="MemoryMiB">Recommended memory: a high percentile of complete peaks plus a margin.</param>
/// <param name="KilledAtMiB">Largest limit at which this very workload was OOM-killed, a lower bound of its need.</param>
/// <param name="OwnTrials">The recommendation comes from trials of this very workload, not of its profile.</param>
public sealed record UsageEvidence(int? MemoryMiB, int? KilledAtMiB, string Reason, bool OwnTrials = false)
{
    /// <summary>Percentile of observed peaks that recommendations start from.</summary>
    public const double Percentile = 0.95;

    /// <summary>Recommendations are rounded up to a multiple of this many MiB.</summary>
    public const int GranularityMiB = 8;

    /// <summary>
    /// Summarises the usage history of the workload itself, or of its whole profile when the workload
    /// has no complete trial yet. Returns null when neither has enough trials.
    /// </summary>
    /// <remarks>
    /// Only complete trials count as measurements: a trial killed for memory only shows the limit it hit,
    /// so it becomes a lower bound (<see cref="KilledAtMiB"/>), never a peak. Kills of other workloads
    /// of the profile say nothing about this one and are ignored.
    /// </remarks>
    public static UsageEvidence? From(WorkloadUsage? workload, WorkloadUsage? profile, double margin, int minProfileTrials)
    {
        var killedAt = workload?.Samples.Where(sample => !sample.Complete).Select(sample => sample.Allocation.MemoryMiB).DefaultIfEmpty().Max();
        var killed = killedAt is > 0 ? killedAt : null;

        var ownPeaks = Peaks(workload);
        if (ownPeaks.Count > 0)
        {
            return Recommend(ownPeaks, killed, margin, $"{Trials(ownPeaks.Count)} of this workload") with { OwnTrials = true };
        }

        var profilePeaks = Peaks(profile);
        if (profilePeaks.Count >= minProfileTrials)
        {
            return Recommend(profilePeaks, killed, margin, $"{Trials(profilePeaks.Count)} of the {profile!.Profile} profile");
        }

        return killed is { } bound
            ? new UsageEvidence(null, bound, $"an earlier trial of this workload was OOM-killed at {bound} MiB")
            : null;
    }

    /// <summary>Returns the nearest-rank percentile of <paramref name="values"/>, which must not be empty.</summary>
    public static double NearestRank(IReadOnlyList<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percentile * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    public static int RoundUp(double mebibytes) =>
        (int)(Math.Ceiling(mebibytes / GranularityMiB) * GranularityMiB);

    private static UsageEvidence Recommend(List<double> peaks, int? killedAt, double margin, string scope)
    {
        var percentile = NearestRank(peaks, Percentile);
        var memory = RoundUp(percentile * (1 + margin));
        var reason = $"{scope}: 95th percentile peak {percentile:0} MiB plus a {margin:P0} margin";
        if (killedAt is { } bound && memory <= bound)
        {
            memory = RoundUp(bound * (1 + margin));
            reason += $", raised above the {bound} MiB at which this workload was OOM-killed";
        }

        return new UsageEvidence(memory, killedAt, reason);
    }

    private static List<double> Peaks(WorkloadUsage? usage) =>
        usage?.Samples.Where(sample => sample.Complete && sample.PeakMemoryMiB > 0).Select(sample => sample.PeakMemoryMiB).ToList() ?? [];

    private static string Trials(int count) => count == 1 ? "1 earlier trial" : $"{count} earlier trials";
}
