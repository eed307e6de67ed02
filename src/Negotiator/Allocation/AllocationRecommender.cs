using EventShadow.Contracts;
using EventShadow.Negotiator.Manifests;
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
public sealed partial class AllocationRecommender(IOptions<NegotiationOptions> options)
{
    private NegotiationOptions Settings => options.Value;

    /// <summary>
    /// Proposes from the profile and the manifest alone, as <see cref="Propose(WorkloadProfile, ContainerSpec, IReadOnlyList{ResourceHint})"/> does without hints.
    /// </summary>
    public Proposal Propose(WorkloadProfile profile, ContainerSpec container) => Propose(profile, container, []);

    /// <summary>
    /// Proposes the manifest's limits where it states them, else the larger of its request and the
    /// profile's default as the hints adjust it, clamped to the configured minimum and maximum.
    /// </summary>
    /// <remarks>
    /// Hints change only what the manifest leaves open. When it states no memory at all, a
    /// <c>memory-intensity</c> hint doubles (<c>high</c>) or halves (<c>low</c>) the default memory.
    /// When it states no CPU at all, <c>cpu-intensity=high</c> or <c>latency-sensitive</c> doubles the
    /// default CPU, once for both. When it states no memory limit, memory is at least a configured
    /// setting (JVM heap, shared_buffers, InnoDB buffer pool, Redis maxmemory) plus a margin, see
    /// <see cref="MemoryFloor"/>. The rationale names every hint that changed a number or was not applied.
    /// </remarks>
    /// <param name="hints">The task's analysed hints, as <c>RequirementsAnalyzed</c> carries them.</param>
    public Proposal Propose(WorkloadProfile profile, ContainerSpec container, IReadOnlyList<ResourceHint> hints) =>
        Propose(profile, container, hints, history: null);

    /// <summary>
    /// Proposes as <see cref="Propose(WorkloadProfile, ContainerSpec, IReadOnlyList{ResourceHint})"/> does, but
    /// takes memory from <paramref name="history"/> when earlier trials give a recommendation and the
    /// manifest states no memory limit: measured usage beats defaults and hints. The manifest's request
    /// stays a lower bound and its limit an upper bound.
    /// </summary>
    public Proposal Propose(WorkloadProfile profile, ContainerSpec container, IReadOnlyList<ResourceHint> hints, UsageEvidence? history)
    {
        var profileDefault = Settings.Defaults.TryGetValue(profile, out var configured)
            ? configured
            : Settings.Defaults[WorkloadProfile.Generic];
        var proposalHints = ProposalHints.From(hints);

        var (memory, memoryReason) = ProposeMemory(container, profileDefault.MemoryMiB, proposalHints);
        if (history?.MemoryMiB is { } recommended && container.Limits.MemoryMiB is null)
        {
            // A server's trial sees only a short smoke load, so its history may raise memory (after an
            // OOM kill, say) but not lower it below what the defaults and hints give.
            if (recommended >= memory || Settings.TightenProfiles.Contains(profile))
            {
                (memory, memoryReason) = ProposeMemoryFromHistory(container, recommended, history.Reason);
            }
            else
            {
                memoryReason += $" (history suggests {recommended} MiB from {history.Reason}, but a {Describe(profile)} trial runs only a smoke load, so less is not proposed)";
            }
        }
        var (cpu, cpuReason) = ProposeCpu(container, profileDefault.CpuMillicores, proposalHints);

        var rationale = $"First proposal for a {Describe(profile)} workload: {memoryReason}; {cpuReason}.";
        return new Proposal(new ResourceAllocation(cpu, memory), rationale);
    }

    private (int Value, string Reason) ProposeMemory(ContainerSpec container, int profileDefault, ProposalHints hints)
    {
        var limit = container.Limits.MemoryMiB;
        var request = container.Requests.MemoryMiB;
        var fallback = new Fallback(profileDefault, "the profile default");
        var notApplied = new List<string>();

        if (hints.MemoryIntensity is { } intensity)
        {
            var hintText = $"hint {intensity.Name}={intensity.Value} ({intensity.Source})";
            if (limit is not null || request is not null)
            {
                notApplied.Add($"{hintText} is not applied because the manifest states memory");
            }
            else if (intensity.Value == HintVocabulary.High)
            {
                fallback = new Fallback(profileDefault * 2, $"twice the profile default of {profileDefault} MiB for {hintText}");
            }
            else if (intensity.Value == HintVocabulary.Low)
            {
                fallback = new Fallback((profileDefault + 1) / 2, $"half the profile default of {profileDefault} MiB for {hintText}");
            }
        }

        var (memory, reason) = Choose("memory", limit, request, fallback, "MiB");

        if (hints.MemoryFloor is { } floor)
        {
            if (limit is not null)
            {
                notApplied.Add($"{floor.Describe()} is not applied because the manifest states a memory limit");
            }
            else if (floor.MiB > memory)
            {
                reason = $"memory {floor.MiB} MiB for {floor.Describe()}, instead of {reason}";
                memory = floor.MiB;
            }
        }

        return Clamp(memory, reason, notApplied, "MiB", MemoryRange);
    }

    private (int Value, string Reason) ProposeMemoryFromHistory(ContainerSpec container, int recommended, string evidence)
    {
        var (memory, reason) = Choose("memory", null, container.Requests.MemoryMiB, new Fallback(recommended, $"from {evidence}"), "MiB");
        return Clamp(memory, reason, [], "MiB", MemoryRange);
    }

    private (int Value, string Reason) ProposeCpu(ContainerSpec container, int profileDefault, ProposalHints hints)
    {
        var limit = container.Limits.CpuMillicores;
        var request = container.Requests.CpuMillicores;
        var fallback = new Fallback(profileDefault, "the profile default");
        var notApplied = new List<string>();

        if (hints.CpuHints.Count > 0)
        {
            var hintText = (hints.CpuHints.Count == 1 ? "hint " : "hints ")
                + string.Join(" and ", hints.CpuHints.Select(hint => $"{hint.Name}={hint.Value} ({hint.Source})"));
            if (limit is not null || request is not null)
            {
                var verb = hints.CpuHints.Count == 1 ? "is" : "are";
                notApplied.Add($"{hintText} {verb} not applied because the manifest states CPU");
            }
            else
            {
                fallback = new Fallback(profileDefault * 2, $"twice the profile default of {profileDefault}m for {hintText}");
            }
        }

        var (cpu, reason) = Choose("CPU", limit, request, fallback, "m");
        return Clamp(cpu, reason, notApplied, "m", CpuRange);
    }

    private static (int Value, string Reason) Choose(string resource, int? limit, int? request, Fallback fallback, string unit)
    {
        if (limit is { } stated)
        {
            return (stated, $"{resource} {stated}{Space(unit)}{unit} from the manifest's limit");
        }

        var defaultValue = fallback.Value;
        if (request is { } requested && requested > defaultValue)
        {
            return (requested, $"{resource} {requested}{Space(unit)}{unit} from the manifest's request, above the default of {defaultValue}{Space(unit)}{unit}");
        }

        var reason = request is { } smaller
            ? $"{resource} {defaultValue}{Space(unit)}{unit}, {fallback.Description}, above the manifest's request of {smaller}{Space(unit)}{unit}"
            : $"{resource} {defaultValue}{Space(unit)}{unit}, {fallback.Description}, as the manifest states none";
        return (defaultValue, reason);
    }

    private AllocationRange MemoryRange =>
        new(Settings.MinMemoryMiB, "Negotiation:MinMemoryMiB", Settings.MaxMemoryMiB, "Negotiation:MaxMemoryMiB");

    private AllocationRange CpuRange =>
        new(Settings.MinCpuMillicores, "Negotiation:MinCpuMillicores", Settings.MaxCpuMillicores, "Negotiation:MaxCpuMillicores");

    /// <summary>
    /// Clamps a value to the configured range. The reason then names the bound and its setting, so that
    /// a manifest's limit above the maximum reads as lowered by configuration.
    /// </summary>
    private static (int Value, string Reason) Clamp(int value, string reason, List<string> notApplied, string unit, AllocationRange range)
    {
        var clamped = Math.Clamp(value, range.Minimum, range.Maximum);
        if (clamped != value)
        {
            var (bound, setting) = value > range.Maximum ? ("maximum", range.MaximumSetting) : ("minimum", range.MinimumSetting);
            reason += $", clamped to the {bound} of {clamped}{Space(unit)}{unit} ({setting})";
        }

        foreach (var note in notApplied)
        {
            reason += $" ({note})";
        }

        return (clamped, reason);
    }

    private static string Space(string unit) => unit == "m" ? "" : " ";

    private static string Summarize(ValidationFailed failure) =>
        failure.Reasons.Count > 0 ? string.Join("; ", failure.Reasons) : failure.Failure.ToString();

    /// <summary>The value proposed when the manifest states nothing, and how it came about.</summary>
    private sealed record Fallback(int Value, string Description);

    /// <summary>The smallest and largest allocation of one resource, with the settings that configure them.</summary>
    private sealed record AllocationRange(int Minimum, string MinimumSetting, int Maximum, string MaximumSetting);

    private static string Describe(WorkloadProfile profile) => profile switch
    {
        WorkloadProfile.JvmService => "JVM service",
        WorkloadProfile.GpuInference => "GPU inference",
        WorkloadProfile.SearchEngine => "search engine",
        WorkloadProfile.WebServer => "web server",
        _ => profile.ToString().ToLowerInvariant(),
    };
}
