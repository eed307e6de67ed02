using EventShadow.Contracts;
using EventShadow.Costs.Pricing;
using EventShadow.Costs.Rules;

namespace EventShadow.UnitTests.Costs;

/// <summary>Price lists and negotiation facts for hand-computed cost cases.</summary>
internal static class CostFixtures
{
    public static readonly DateTimeOffset Day1 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>One version: 0.04 per vCPU-hour, 0.005 per GiB-hour, 0.9 per GPU-hour in the default pool.</summary>
    public static PriceList SinglePrice() => Prices(("v1", Day1.AddDays(-30), 0.04m, 0.005m));

    /// <summary>v1 as <see cref="SinglePrice"/>, then v2 at double the CPU and memory prices from 11:00 on day 1.</summary>
    public static PriceList PriceChangeAt11() =>
        Prices(("v1", Day1.AddDays(-30), 0.04m, 0.005m), ("v2", Day1.AddHours(11), 0.08m, 0.01m));

    public static PriceList Prices(params (string Version, DateTimeOffset From, decimal Vcpu, decimal Gib)[] versions)
    {
        var options = new PricingOptions();
        foreach (var (version, from, vcpu, gib) in versions)
        {
            options.Lists.Add(new PriceListVersionOptions
            {
                Version = version,
                EffectiveFrom = from,
                Pools = { ["default"] = new PoolPrice { VcpuHour = vcpu, GibHour = gib, GpuHour = 0.9m } },
            });
        }

        return PriceList.From(options);
    }

    public static ContainerSpec Container(ResourceBounds requests, ResourceBounds limits) =>
        new("app", "redis:7", null, null, new Dictionary<string, string>(), requests, limits);

    /// <summary>Facts of a negotiation submitted with the given bounds, proposed in the default pool.</summary>
    public static NegotiationFacts Facts(
        Guid id, ResourceBounds requests, ResourceBounds limits, WorkloadProfile profile = WorkloadProfile.Cache, params object[] more)
    {
        var container = Container(requests, limits);
        object[] events =
        [
            new PartialTaskSubmitted(id, "Deployment/cache/redis", "cache.yaml", "kubernetes", container, Day1.AddHours(9)),
            new AllocationProposed(id, 1, new ResourceAllocation(250, 256), "first proposal", profile, container),
            .. more,
        ];
        return NegotiationFacts.From(id, events);
    }

    public static ShadowReleased Released(Guid id, int attempt, ResourceAllocation allocation, DateTimeOffset claimed, DateTimeOffset released) =>
        new(id, attempt, $"shadow-{attempt}", allocation, claimed, released);
}
