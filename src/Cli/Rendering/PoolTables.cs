using System.Globalization;
using EventShadow.Cli.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EventShadow.Cli.Rendering;

/// <summary>Tables for <c>pools</c>: resource pool capacity, and warm shadow pools against their forecast demand.</summary>
public static class PoolTables
{
    public static IRenderable Capacity(IReadOnlyList<PoolCapacity> pools)
    {
        var table = new Table().AddColumns("Pool", "Capacity", "Committed", "Leased", "Free", "Negotiations");
        table.Columns[5].RightAligned();
        foreach (var pool in pools)
        {
            table.AddRow(
                pool.Pool,
                Amount(pool.Capacity),
                Amount(pool.Committed),
                Amount(pool.Leased),
                Amount(pool.Free),
                pool.Negotiations.ToString(CultureInfo.InvariantCulture));
        }

        table.Caption(pools.Count == 0 ? "No resource pools are configured." : "Resource pools (Negotiator).");
        return table;
    }

    public static IRenderable WarmPools(WarmPools pools)
    {
        var table = new Table().AddColumns("Profile", "Forecast", "Target", "Warm", "Claimed", "Claims", "Cold starts", "Sized");
        for (var column = 1; column <= 6; column++)
        {
            table.Columns[column].RightAligned();
        }

        foreach (var pool in pools.Profiles)
        {
            var coldStarts = pool.ColdStartRate is { } rate
                ? string.Create(CultureInfo.InvariantCulture, $"{pool.ColdStarts} ({rate * 100:0}%)")
                : pool.ColdStarts.ToString(CultureInfo.InvariantCulture);
            table.AddRow(
                pool.HasWarmPool ? pool.Profile : pool.Profile + " (cold only)",
                Number(pool.Forecast),
                Number(pool.Target),
                Number(pool.Warm),
                Number(pool.Claimed),
                Number(pool.Claims),
                coldStarts,
                pool.SizedAt is { } sized ? Formats.Timestamp(sized) : "-");
        }

        var window = pools.Profiles.Count > 0 ? pools.Profiles[0].WindowMinutes : 0;
        table.Caption(Markup.Escape(string.Create(
            CultureInfo.InvariantCulture, $"Warm shadow pools of PoolManager {pools.Instance} for pool {pools.Pool}; claims and cold starts of the last {window} minutes.")));
        return table;
    }

    private static string Amount(ResourceAmount amount)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{amount.CpuMillicores}m / {amount.MemoryMiB} MiB");
        return amount.Gpus > 0 ? string.Create(CultureInfo.InvariantCulture, $"{text} / {amount.Gpus} GPU") : text;
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
