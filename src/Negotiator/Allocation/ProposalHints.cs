using System.Globalization;
using EventShadow.Contracts;
using EventShadow.Negotiator.Analysis;
using EventShadow.Negotiator.Manifests;

namespace EventShadow.Negotiator.Allocation;

/// <summary>
/// The hints of a task that change its first proposal: memory intensity, the hints that ask for
/// more CPU, and the memory the workload is configured to take.
/// </summary>
/// <param name="MemoryIntensity">A <c>memory-intensity</c> hint (<c>high</c> or <c>low</c>), or null.</param>
/// <param name="CpuHints">The <c>cpu-intensity=high</c> and <c>latency-sensitive</c> hints.</param>
/// <param name="MemoryFloor">The configured memory setting that needs the most memory, or null.</param>
internal sealed record ProposalHints(ResourceHint? MemoryIntensity, IReadOnlyList<ResourceHint> CpuHints, MemoryFloor? MemoryFloor)
{
    /// <summary>Hints whose value is memory (MiB) the workload is configured to take, apart from what the rest of its process uses.</summary>
    private static readonly string[] MemorySettingHints =
    [
        "jvm-heap",
        DatabaseMemorySettings.PostgresSharedBuffers,
        DatabaseMemorySettings.InnoDbBufferPoolSize,
        DatabaseMemorySettings.RedisMaxMemory,
    ];

    public static ProposalHints From(IReadOnlyList<ResourceHint> hints)
    {
        var memoryIntensity = hints.FirstOrDefault(hint => hint.Name == HintVocabulary.MemoryIntensityHint);
        var cpuHints = hints
            .Where(hint => (hint.Name == HintVocabulary.CpuIntensityHint && hint.Value == HintVocabulary.High)
                || hint.Name == HintVocabulary.LatencySensitiveHint)
            .ToList();

        MemoryFloor? floor = null;
        foreach (var hint in hints.Where(hint => MemorySettingHints.Contains(hint.Name, StringComparer.Ordinal)))
        {
            if (!int.TryParse(hint.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var mebibytes))
            {
                continue;
            }

            var candidate = MemoryFloor.For(mebibytes, hint);
            if (floor is null || candidate.MiB > floor.MiB)
            {
                floor = candidate;
            }
        }

        return new ProposalHints(memoryIntensity, cpuHints, floor);
    }
}

/// <summary>
/// Minimum memory for a workload configured to take <see cref="Setting"/> MiB: the setting plus a
/// margin for everything else the process uses.
/// </summary>
/// <remarks>
/// NOTE: the margin is an estimate, not a measurement. It covers JVM metaspace and thread stacks,
/// PostgreSQL backends and Redis fragmentation for modest workloads; a workload that needs more
/// is OOM-killed in its shadow and renegotiated.
/// </remarks>
internal sealed record MemoryFloor(int MiB, int Setting, ResourceHint Hint)
{
    public const int MarginPercent = 25;
    public const int MarginMiB = 64;

    public static MemoryFloor For(int settingMiB, ResourceHint hint)
    {
        var margin = (int)Math.Ceiling(settingMiB * MarginPercent / 100.0) + MarginMiB;
        return new MemoryFloor((int)Math.Min((long)settingMiB + margin, int.MaxValue), settingMiB, hint);
    }

    public string Describe() =>
        $"the {Setting} MiB of {Hint.Name} ({Hint.Source}) plus a margin of {MarginPercent}% and {MarginMiB} MiB";
}
