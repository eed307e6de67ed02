using System.ComponentModel.DataAnnotations;

namespace EventShadow.CostLedger;

/// <summary>
/// Price list from the <c>Pricing</c> section: what a vCPU and a GiB of memory cost per hour in each pool.
/// </summary>
public sealed class PricingOptions : IValidatableObject
{
    public const string SectionName = "Pricing";

    /// <summary>Name of this price list, recorded with every cost so that a price change stays traceable.</summary>
    [Required(ErrorMessage = "Pricing:Version is missing; name the price list, for example by the date it took effect.")]
    public string Version { get; set; } = "";

    [Required]
    [RegularExpression("^[A-Z]{3}$", ErrorMessage = "Pricing:Currency must be an ISO 4217 code such as USD.")]
    public string Currency { get; set; } = "USD";

    public IDictionary<string, PoolPrice> Pools { get; set; } = new Dictionary<string, PoolPrice>(StringComparer.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Pools.Count == 0)
        {
            yield return new ValidationResult("Pricing:Pools is empty; price at least the 'default' pool.", [nameof(Pools)]);
        }

        foreach (var (pool, price) in Pools)
        {
            if (price.VcpuHour < 0 || price.GibHour < 0)
            {
                yield return new ValidationResult(
                    $"Pricing:Pools:{pool} has a negative price; VcpuHour and GibHour must be 0 or more.", [nameof(Pools)]);
            }
        }
    }
}

/// <summary>
/// Hourly prices of one pool, in the price list's currency.
/// </summary>
public sealed class PoolPrice
{
    public decimal VcpuHour { get; set; }

    public decimal GibHour { get; set; }
}
