using EventShadow.Contracts;
using EventShadow.Hosting;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager;

/// <summary>
/// Checks the <c>Shadows</c> section at start, so that a bad catalog stops the service with the key to
/// fix instead of failing every negotiation later.
/// </summary>
public sealed class ShadowOptionsValidator : IValidateOptions<ShadowOptions>
{
    /// <summary>Linux allows at most 2^22 process ids, so a larger limit means nothing.</summary>
    private const int MaxPidsLimit = 4_194_304;

    /// <summary>Below this, even a PostgreSQL or nginx workload with its helper processes cannot start.</summary>
    private const int MinPidsLimit = 8;

    public ValidateOptionsResult Validate(string? name, ShadowOptions options)
    {
        var failures = new List<string>();
        var section = ShadowOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.WorkloadImage))
        {
            failures.Add($"{section}:WorkloadImage is missing. Set it to a local image that has `sleep`, such as eventshadow/workload:1.");
        }

        if (options.MaxShadows is < 0 or > 10_000)
        {
            failures.Add($"{section}:MaxShadows is {options.MaxShadows}; it must be between 1 and 10000, or 0 to derive it from the Docker host.");
        }

        if (options.CapacityWaitSeconds is < 1 or > 86_400)
        {
            failures.Add($"{section}:CapacityWaitSeconds is {options.CapacityWaitSeconds}; it must be between 1 and 86400.");
        }

        if (options.PidsLimit is < MinPidsLimit or > MaxPidsLimit)
        {
            failures.Add($"{section}:PidsLimit is {options.PidsLimit}; it must be between {MinPidsLimit} and {MaxPidsLimit}.");
        }

        if (string.IsNullOrWhiteSpace(options.InstanceName))
        {
            failures.Add($"{section}:InstanceName is empty. Remove it to use the machine name, or set a name unique among PoolManagers.");
        }
        else if (options.SeveralDockerHosts && !DockerHostEndpoints.IsValidHostName(options.InstanceName))
        {
            failures.Add($"{section}:InstanceName '{options.InstanceName}' is invalid with {section}:SeveralDockerHosts=true, because it names this PoolManager's queue: use {DockerHostEndpoints.HostNameRule}.");
        }

        if (string.IsNullOrWhiteSpace(options.Pool))
        {
            failures.Add($"{section}:Pool is empty. Remove it to use the pool 'default'.");
        }

        ValidateWarmPools(options, failures);

        var firstKeyOfMatch = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var index = 0; index < options.Images.Count; index++)
        {
            ValidateMapping($"{section}:Images:{index}", options.Images[index], firstKeyOfMatch, failures);
        }

        // The options framework joins failures with "; ", so a final full stop would read ".;".
        return failures.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(failures.Select(failure => failure.TrimEnd('.')));
    }

    private static void ValidateMapping(
        string key, ShadowImageMapping mapping, Dictionary<string, string> firstKeyOfMatch, List<string> failures)
    {
        if (mapping.Match.Count == 0)
        {
            failures.Add($"{key}:Match is empty. List the image repositories this mapping stands in for, such as [\"redis\"].");
        }

        foreach (var entry in mapping.Match)
        {
            if (string.IsNullOrWhiteSpace(entry) || entry != ImageReference.Repository(entry))
            {
                failures.Add($"{key}:Match entry '{entry}' is invalid: write a repository without registry, tag or digest, such as 'redis' or 'bitnami/redis'.");
            }
            else if (!firstKeyOfMatch.TryAdd(entry, key))
            {
                failures.Add($"{key}:Match entry '{entry}' is already listed in {firstKeyOfMatch[entry]}:Match, which wins; remove one of them.");
            }
        }

        if (mapping.Image is not null && string.IsNullOrWhiteSpace(mapping.Image))
        {
            failures.Add($"{key}:Image is empty. Remove it to use Shadows:WorkloadImage, or name a local image.");
        }

        if (mapping.User is not null && string.IsNullOrWhiteSpace(mapping.User))
        {
            failures.Add($"{key}:User is empty. Remove it to run the workload as the image's user.");
        }

        if (mapping.ReadinessUser is not null && string.IsNullOrWhiteSpace(mapping.ReadinessUser))
        {
            failures.Add($"{key}:ReadinessUser is empty. Remove it to run the readiness command as the image's user.");
        }

        if (mapping.ReadinessUser is not null && mapping.Readiness.Count == 0)
        {
            failures.Add($"{key}:ReadinessUser is set but {key}:Readiness is empty. Add the readiness command or remove the user.");
        }

        foreach (var capability in mapping.Capabilities)
        {
            if (string.Equals(capability, "ALL", StringComparison.OrdinalIgnoreCase) || string.Equals(capability, "CAP_ALL", StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{key}:Capabilities must not contain ALL: shadows drop every capability and add back only the ones listed.");
            }
            else if (!IsCapabilityName(capability))
            {
                failures.Add($"{key}:Capabilities entry '{capability}' is invalid: write a Linux capability in capitals, such as CHOWN or NET_BIND_SERVICE.");
            }
        }
    }

    private static void ValidateWarmPools(ShadowOptions options, List<string> failures)
    {
        var section = ShadowOptions.SectionName;

        foreach (var entry in options.AllowedImages)
        {
            if (string.IsNullOrWhiteSpace(entry) || entry.Contains('@', StringComparison.Ordinal) || entry.LastIndexOf(':') > entry.LastIndexOf('/'))
            {
                failures.Add($"{section}:AllowedImages entry '{entry}' is invalid: write a repository without tag or digest, such as 'eventshadow/workload'.");
            }
        }

        var profiles = new HashSet<WorkloadProfile>();
        for (var index = 0; index < options.WarmPools.Count; index++)
        {
            var key = $"{section}:WarmPools:{index}";
            var pool = options.WarmPools[index];
            if (!profiles.Add(pool.Profile))
            {
                failures.Add($"{key}:Profile {pool.Profile} already has a warm pool; keep one entry per profile.");
            }

            if (string.IsNullOrWhiteSpace(pool.Image))
            {
                failures.Add($"{key}:Image is missing. Name the image a manifest of this profile would use, such as 'redis'.");
            }
            else if (!options.Images.Any(mapping => mapping.Match.Any(match => ImageReference.Matches(match, pool.Image))))
            {
                failures.Add($"{key}:Image '{pool.Image}' matches no {section}:Images mapping; add one or name a mapped image.");
            }

            if (pool.MinWarm < 0 || pool.MaxWarm < pool.MinWarm || pool.MaxWarm > 1000)
            {
                failures.Add($"{key} has MinWarm {pool.MinWarm} and MaxWarm {pool.MaxWarm}; they must satisfy 0 <= MinWarm <= MaxWarm <= 1000.");
            }
        }

        ValidateWarmSettings(options, failures);
    }

    private static void ValidateWarmSettings(ShadowOptions options, List<string> failures)
    {
        var section = ShadowOptions.SectionName;

        if (options.WarmBudget.MaxShadows < 0 || options.WarmBudget.MaxMemoryMiB < 0)
        {
            failures.Add($"{section}:WarmBudget:MaxShadows and MaxMemoryMiB must not be negative; 0 means no limit.");
        }

        AddRangeFailure(failures, $"{section}:WarmMemoryMiB", options.WarmMemoryMiB, 8, 65_536);
        AddRangeFailure(failures, $"{section}:WarmCpuMillicores", options.WarmCpuMillicores, 10, 64_000);
        AddRangeFailure(failures, $"{section}:SizingIntervalSeconds", options.SizingIntervalSeconds, 1, 3_600);
        AddRangeFailure(failures, $"{section}:DemandHistoryHours", options.DemandHistoryHours, 1, 24 * 28);
        AddRangeFailure(failures, $"{section}:NewDemandKeepAliveMinutes", options.NewDemandKeepAliveMinutes, 0, 1_440);
        AddRangeFailure(failures, $"{section}:ReaperIntervalSeconds", options.ReaperIntervalSeconds, 1, 86_400);
        AddRangeFailure(failures, $"{section}:MaxShadowLifetimeMinutes", options.MaxShadowLifetimeMinutes, 1, 7 * 1_440);

        if (double.IsNaN(options.ColdStartCostMinutes) || options.ColdStartCostMinutes is < 1 or > 100_000)
        {
            failures.Add($"{section}:ColdStartCostMinutes is {options.ColdStartCostMinutes}; it must be between 1 and 100000.");
        }

        if (string.IsNullOrWhiteSpace(options.InternalNetwork) || options.InternalNetwork is "none" or "host" or "bridge" or "default")
        {
            failures.Add($"{section}:InternalNetwork is '{options.InternalNetwork}'; name a network of its own, such as eventshadow-shadows.");
        }
    }

    private static void AddRangeFailure(List<string> failures, string key, long value, long minimum, long maximum)
    {
        if (value < minimum || value > maximum)
        {
            failures.Add($"{key} is {value}; it must be between {minimum} and {maximum}.");
        }
    }

    /// <summary>
    /// Returns whether <paramref name="capability"/> is written as Docker accepts it: capitals, digits and
    /// underscores, starting with a capital, with or without the <c>CAP_</c> prefix.
    /// </summary>
    private static bool IsCapabilityName(string capability) =>
        capability.Length > 0 && char.IsAsciiLetterUpper(capability[0]) &&
        capability.All(character => char.IsAsciiLetterUpper(character) || char.IsAsciiDigit(character) || character == '_');
}
