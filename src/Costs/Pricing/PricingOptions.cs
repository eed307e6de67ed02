using System.ComponentModel.DataAnnotations;
using EventShadow.Contracts;

namespace EventShadow.Costs.Pricing;

/// <summary>
/// Price list from the <c>Pricing</c> section, or from a file or request body of the same shape: the
/// currency, every version of the per-pool prices, and what each profile would get without negotiation.
/// </summary>
public sealed class PricingOptions : IValidatableObject
{
    public const string SectionName = "Pricing";

    [Required]
    [RegularExpression("^[A-Z]{3}$", ErrorMessage = "Pricing:Currency must be an ISO 4217 code such as USD.")]
    public string Currency { get; set; } = "USD";

    /// <summary>
    /// Versions of the price list. The version in force at an instant is the one with the latest
    /// <see cref="PriceListVersionOptions.EffectiveFrom"/> at or before it; the earliest version also
    /// prices everything before its own start.
    /// </summary>
    public IList<PriceListVersionOptions> Lists { get; set; } = [];

    /// <summary>
    /// What a task of each profile is given without negotiation when its manifest states neither a
    /// request nor a limit: the baseline of savings. The shipped values are examples.
    /// </summary>
    public IDictionary<WorkloadProfile, ResourceAllocation> Baseline { get; set; } = new Dictionary<WorkloadProfile, ResourceAllocation>
    {
        [WorkloadProfile.Generic] = new(1000, 1024),
        [WorkloadProfile.Database] = new(2000, 4096),
        [WorkloadProfile.Cache] = new(1000, 2048),
        [WorkloadProfile.SearchEngine] = new(2000, 4096),
        [WorkloadProfile.JvmService] = new(1000, 2048),
        [WorkloadProfile.WebServer] = new(500, 512),
        [WorkloadProfile.GpuInference] = new(4000, 16384),
        [WorkloadProfile.Batch] = new(1000, 2048),
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Lists.Count == 0)
        {
            yield return new ValidationResult(
                "Pricing:Lists is empty; add at least one version with Version, EffectiveFrom and the prices of the 'default' pool.", [nameof(Lists)]);
        }

        var versions = new HashSet<string>(StringComparer.Ordinal);
        var starts = new HashSet<DateTimeOffset>();
        for (var index = 0; index < Lists.Count; index++)
        {
            var list = Lists[index];
            var key = $"Pricing:Lists:{index}";
            if (string.IsNullOrWhiteSpace(list.Version))
            {
                yield return new ValidationResult($"{key}:Version is missing; name the version, for example by the date it takes effect.", [nameof(Lists)]);
            }
            else if (!versions.Add(list.Version))
            {
                yield return new ValidationResult($"{key}:Version '{list.Version}' is used by an earlier version.", [nameof(Lists)]);
            }

            if (!starts.Add(list.EffectiveFrom))
            {
                yield return new ValidationResult(
                    $"{key}:EffectiveFrom {list.EffectiveFrom:O} is the start of an earlier version too; two versions cannot take effect at the same instant.",
                    [nameof(Lists)]);
            }

            if (list.Pools.Count == 0)
            {
                yield return new ValidationResult($"{key}:Pools is empty; price at least the 'default' pool.", [nameof(Lists)]);
            }

            foreach (var (pool, price) in list.Pools)
            {
                if (price.VcpuHour < 0 || price.GibHour < 0 || price.GpuHour < 0)
                {
                    yield return new ValidationResult(
                        $"{key}:Pools:{pool} has a negative price; VcpuHour, GibHour and GpuHour must be 0 or more.", [nameof(Lists)]);
                }
            }
        }

        foreach (var (profile, allocation) in Baseline)
        {
            if (allocation.CpuMillicores <= 0 || allocation.MemoryMiB <= 0)
            {
                yield return new ValidationResult(
                    $"Pricing:Baseline:{profile} must have positive CpuMillicores and MemoryMiB, not {allocation}.", [nameof(Baseline)]);
            }
        }
    }

    /// <summary>Returns the validation errors of these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Check()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        return results.Select(result => result.ErrorMessage ?? "invalid price list").ToList();
    }
}

/// <summary>
/// One version of the price list: its name, when it takes effect and the hourly prices of each pool.
/// </summary>
public sealed class PriceListVersionOptions
{
    public string Version { get; set; } = "";

    public DateTimeOffset EffectiveFrom { get; set; }

    public IDictionary<string, PoolPrice> Pools { get; set; } = new Dictionary<string, PoolPrice>(StringComparer.Ordinal);
}

/// <summary>
/// Hourly prices of one pool, in the price list's currency.
/// </summary>
public sealed class PoolPrice
{
    public decimal VcpuHour { get; set; }

    public decimal GibHour { get; set; }

    public decimal GpuHour { get; set; }
}
