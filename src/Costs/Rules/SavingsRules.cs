using System.Globalization;
using System.Text;
using EventShadow.Contracts;
using EventShadow.Costs.Pricing;

namespace EventShadow.Costs.Rules;

/// <summary>
/// Savings of a committed allocation against what the task would have been given without negotiation.
/// </summary>
/// <remarks>
/// The request is, for CPU and memory each, the manifest's request, else its limit (Kubernetes sets a
/// missing request to the limit), else the profile's baseline from the price list. CPU or memory
/// committed below it is saved; above it is extra, reported as such with its reason and never as a
/// negative saving. GPUs are committed as asked, so they neither save nor cost extra.
/// </remarks>
public static class SavingsRules
{
    public const string FromRequests = "requests";
    public const string FromLimits = "limits";
    public const string FromProfileDefault = "profile default";

    public static AllocationSavings Compute(
        AllocationCommitted committed, NegotiationFacts facts, PriceList prices, PriceListVersion version, PoolPrice price)
    {
        var (requested, cpuFrom, memoryFrom) = Requested(facts, prices);
        var allocation = committed.Allocation;

        var cpuDifference = (requested.CpuMillicores - allocation.CpuMillicores) / 1000m;
        var memoryDifference = (requested.MemoryMiB - allocation.MemoryMiB) / 1024m;
        var saved = new HourlyRate(Math.Max(0, cpuDifference), Math.Max(0, memoryDifference), 0);
        var extra = new HourlyRate(Math.Max(0, -cpuDifference), Math.Max(0, -memoryDifference), 0);
        var savedPerHour = HourlyRate.Round(saved.PerHour(price));
        var extraPerHour = HourlyRate.Round(extra.PerHour(price));

        var requestedFrom = cpuFrom == memoryFrom ? cpuFrom : $"cpu: {cpuFrom}, memory: {memoryFrom}";
        var explanation = Explain(committed, facts, requested, requestedFrom, saved, extra, savedPerHour, extraPerHour, prices.Currency, version.Version);

        return new AllocationSavings(
            requested,
            requestedFrom,
            (double)saved.Cores,
            (double)saved.Gibibytes,
            (double)extra.Cores,
            (double)extra.Gibibytes,
            savedPerHour,
            extraPerHour,
            explanation);
    }

    /// <summary>Returns what the task asked for, and where the CPU and the memory figure came from.</summary>
    public static (ResourceAllocation Requested, string CpuFrom, string MemoryFrom) Requested(NegotiationFacts facts, PriceList prices)
    {
        var requests = facts.Container?.Requests ?? ResourceBounds.None;
        var limits = facts.Container?.Limits ?? ResourceBounds.None;
        var baseline = prices.Baseline.TryGetValue(facts.Profile, out var configured)
            ? configured
            : prices.Baseline.GetValueOrDefault(WorkloadProfile.Generic, new ResourceAllocation(1000, 1024));

        var (cpu, cpuFrom) = Pick(requests.CpuMillicores, limits.CpuMillicores, baseline.CpuMillicores);
        var (memory, memoryFrom) = Pick(requests.MemoryMiB, limits.MemoryMiB, baseline.MemoryMiB);
        return (new ResourceAllocation(cpu, memory), cpuFrom, memoryFrom);
    }

    private static (int Value, string From) Pick(int? request, int? limit, int baseline) =>
        request is { } fromRequest ? (fromRequest, FromRequests)
        : limit is { } fromLimit ? (fromLimit, FromLimits)
        : (baseline, FromProfileDefault);

    private static string Explain(
        AllocationCommitted committed,
        NegotiationFacts facts,
        ResourceAllocation requested,
        string requestedFrom,
        HourlyRate saved,
        HourlyRate extra,
        decimal savedPerHour,
        decimal extraPerHour,
        string currency,
        string version)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Committed {committed.Allocation} against the requested {requested} ({requestedFrom}).");

        if (saved.Cores > 0 || saved.Gibibytes > 0)
        {
            text.Append(CultureInfo.InvariantCulture,
                $" Saves {Amounts(saved)} per hour, {CostRules.Format(savedPerHour)} {currency} per hour at price list {version}.");
        }
        else
        {
            text.Append(" Saves nothing: the committed allocation is not below the request.");
        }

        if (extra.Cores > 0 || extra.Gibibytes > 0)
        {
            text.Append(CultureInfo.InvariantCulture,
                $" Uses {Amounts(extra)} per hour more than requested, {CostRules.Format(extraPerHour)} {currency} per hour extra, because {ExtraReason(facts)}.");
        }

        return text.ToString();
    }

    private static string Amounts(HourlyRate rate)
    {
        var parts = new List<string>(2);
        if (rate.Cores > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rate.Cores:0.###} vCPU"));
        }

        if (rate.Gibibytes > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rate.Gibibytes:0.###} GiB"));
        }

        return string.Join(" and ", parts);
    }

    /// <summary>Names the validation failures that made the Negotiator grow the allocation, or says there were none.</summary>
    private static string ExtraReason(NegotiationFacts facts)
    {
        var failures = facts.Attempts.Values
            .Where(attempt => attempt.Failure is not null)
            .OrderBy(attempt => attempt.Attempt)
            .Select(attempt => attempt.Failure switch
            {
                ValidationFailure.OutOfMemory => string.Create(CultureInfo.InvariantCulture, $"attempt {attempt.Attempt} was OOM-killed"),
                ValidationFailure.NotReady => string.Create(CultureInfo.InvariantCulture, $"attempt {attempt.Attempt} never got ready"),
                _ => string.Create(CultureInfo.InvariantCulture, $"attempt {attempt.Attempt} failed validation ({attempt.Failure})"),
            })
            .ToList();

        if (failures.Count > 0)
        {
            return string.Join(" and ", failures) + ", so the Negotiator grew the allocation until a trial passed";
        }

        return "no trial failed: the first proposal was already above the request (the Negotiator's minimum, or the workload's history)";
    }
}
