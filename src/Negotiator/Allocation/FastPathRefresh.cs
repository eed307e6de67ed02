namespace EventShadow.Negotiator.Allocation;

/// <summary>
/// Picks the negotiations of trusted workloads that run a shadow trial anyway, so that history keeps
/// growing from trials while the workload commits from it.
/// </summary>
/// <remarks>
/// A commit without a trial records no usage. Without refresh trials, a workload whose real use drifts
/// would keep committing from its old runs until <see cref="FastPathOptions.MaxHistoryAgeHours"/>
/// passes. A refresh trial records a new run, and the trust rules then see the drift: a failed or
/// OOM-killed run, or a peak that moves the recommendation, withholds trust until trials agree again.
/// </remarks>
public sealed class FastPathRefresh(TimeProvider clock)
{
    /// <summary>Results kept for negotiations on their way to the saga, above which all are dropped.</summary>
    private const int MaxRemembered = 10_000;

    private readonly Dictionary<string, WorkloadCount> workloads = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, bool> remembered = [];
    private readonly Lock sync = new();

    /// <summary>
    /// Counts one negotiation of <paramref name="workloadKey"/> that history trusts. Returns true when it
    /// must run a refresh trial instead of committing: it is at least the
    /// <see cref="FastPathOptions.RefreshEvery"/>th since the workload's last refresh trial, and
    /// <see cref="FastPathOptions.RefreshMinIntervalSeconds"/> have passed since that trial started.
    /// </summary>
    /// <remarks>
    /// The count lives in this process only. After a restart, or with several Negotiators, each counts
    /// from zero, so a workload may commit up to that many times between refresh trials per instance.
    /// </remarks>
    public bool TakeRefresh(string workloadKey, FastPathOptions options)
    {
        if (options.RefreshEvery <= 0)
        {
            return false;
        }

        var now = clock.GetUtcNow();
        lock (sync)
        {
            var count = workloads.GetValueOrDefault(workloadKey) ?? new WorkloadCount(0, null);
            var commits = count.CommitsSinceRefresh + 1;
            var spaced = count.LastRefreshAt is not { } last || now - last >= TimeSpan.FromSeconds(options.RefreshMinIntervalSeconds);
            if (commits >= options.RefreshEvery && spaced)
            {
                workloads[workloadKey] = new WorkloadCount(0, now);
                return true;
            }

            workloads[workloadKey] = count with { CommitsSinceRefresh = commits };
            return false;
        }
    }

    /// <summary>
    /// Keeps the result of <see cref="TakeRefresh"/> for a negotiation counted at its submission and then
    /// handed to the saga, so that the saga acts on that result instead of counting the negotiation again.
    /// </summary>
    public void Remember(Guid negotiationId, bool refresh)
    {
        lock (sync)
        {
            // A negotiation whose saga never takes its result (its submission failed) would otherwise stay here for good.
            if (remembered.Count >= MaxRemembered)
            {
                remembered.Clear();
            }

            remembered[negotiationId] = refresh;
        }
    }

    /// <summary>
    /// Returns and removes the result kept for <paramref name="negotiationId"/> by <see cref="Remember"/>,
    /// or null when none was kept.
    /// </summary>
    public bool? TakeRemembered(Guid negotiationId)
    {
        lock (sync)
        {
            return remembered.Remove(negotiationId, out var refresh) ? refresh : null;
        }
    }

    // NOTE: one entry per trusted workload stays for the life of the process; a workload catalogue of
    // millions would need entries to expire, for example after MaxHistoryAgeHours without a negotiation.
    private sealed record WorkloadCount(int CommitsSinceRefresh, DateTimeOffset? LastRefreshAt);
}
