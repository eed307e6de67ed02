using EventShadow.Contracts;

namespace EventShadow.Costs.Pricing;

/// <summary>
/// Resources priced per hour: vCPUs, GiB of memory and GPUs, and the arithmetic that turns them into money.
/// </summary>
public readonly record struct HourlyRate(decimal Cores, decimal Gibibytes, int Gpus)
{
    private const decimal MillicoresPerCore = 1000m;
    private const decimal MiBPerGiB = 1024m;

    /// <summary>Decimal places every amount of money is rounded to: a millionth of the currency unit.</summary>
    public const int MoneyDecimals = 6;

    public static HourlyRate Of(ResourceAllocation allocation, int gpus = 0) =>
        new(allocation.CpuMillicores / MillicoresPerCore, allocation.MemoryMiB / MiBPerGiB, gpus);

    public static HourlyRate MemoryOnly(int memoryMiB) => new(0m, memoryMiB / MiBPerGiB, 0);

    /// <summary>Returns the price of one hour of these resources, unrounded.</summary>
    public decimal PerHour(PoolPrice price) => (Cores * price.VcpuHour) + (Gibibytes * price.GibHour) + (Gpus * price.GpuHour);

    /// <summary>Returns the price of <paramref name="duration"/> of these resources, rounded to <see cref="MoneyDecimals"/>.</summary>
    public decimal For(TimeSpan duration, PoolPrice price)
    {
        var hours = duration.Ticks / (decimal)TimeSpan.TicksPerHour;
        return Round(hours * PerHour(price));
    }

    public static decimal Round(decimal amount) => Math.Round(amount, MoneyDecimals, MidpointRounding.AwayFromZero);
}
