using EventShadow.Contracts;
using EventShadow.Costs.Ledger;
using EventShadow.Costs.Pricing;
using EventShadow.Costs.Rules;
using static EventShadow.UnitTests.Costs.CostFixtures;

namespace EventShadow.UnitTests.Costs;

public class CostRulesTests
{
    private static readonly Guid Id = Guid.NewGuid();

    [Fact]
    public void Shadow_hour_of_one_core_and_one_gib()
    {
        var facts = Facts(Id, ResourceBounds.None, ResourceBounds.None);

        var recorded = CostRules.PriceShadowRun(Released(Id, 1, new(1000, 1024), Day1.AddHours(9), Day1.AddHours(10)), facts, SinglePrice());

        // 1 h × (1 × 0.04 + 1 × 0.005)
        Assert.Equal(3600, recorded.ShadowSeconds);
        Assert.Equal(0.045m, recorded.Cost);
        Assert.Equal("v1", recorded.PriceList);
        Assert.Equal("default", recorded.Pool);
        Assert.Equal(WorkloadProfile.Cache, recorded.Profile);
    }

    [Fact]
    public void Shadow_cost_rounds_to_millionths()
    {
        var facts = Facts(Id, ResourceBounds.None, ResourceBounds.None);

        var recorded = CostRules.PriceShadowRun(Released(Id, 1, new(250, 256), Day1.AddHours(9), Day1.AddHours(9).AddSeconds(90)), facts, SinglePrice());

        // 90 s at 250m and 256 MiB: 0.025 h × (0.25 × 0.04 + 0.25 × 0.005) = 0.00028125
        Assert.Equal(0.000281m, recorded.Cost);
    }

    [Fact]
    public void Shadow_released_before_claim_costs_nothing()
    {
        var facts = Facts(Id, ResourceBounds.None, ResourceBounds.None);

        var recorded = CostRules.PriceShadowRun(Released(Id, 1, new(1000, 1024), Day1.AddHours(9), Day1.AddHours(9).AddSeconds(-5)), facts, SinglePrice());

        Assert.Equal(0, recorded.ShadowSeconds);
        Assert.Equal(0m, recorded.Cost);
        var segment = Assert.Single(recorded.Segments!);
        Assert.Equal(Day1.AddHours(9), segment.Start);
    }

    [Fact]
    public void Shadow_split_at_price_change()
    {
        var facts = Facts(Id, ResourceBounds.None, ResourceBounds.None);

        var recorded = CostRules.PriceShadowRun(Released(Id, 1, new(1000, 1024), Day1.AddHours(10.5), Day1.AddHours(11.5)), facts, PriceChangeAt11());

        // 0.5 h × 0.045 under v1 plus 0.5 h × 0.09 under v2
        Assert.Equal(0.0675m, recorded.Cost);
        Assert.Equal("v1,v2", recorded.PriceList);
        Assert.Equal([0.0225m, 0.045m], recorded.Segments!.Select(segment => segment.Cost));
        Assert.Equal(["v1", "v2"], recorded.Segments!.Select(segment => segment.PriceVersion));
    }

    [Fact]
    public void Shadow_outliving_negotiation_priced_whole_life()
    {
        // The negotiation committed at 10:00; its shadow stayed until 01:00 the next day.
        var facts = Facts(
            Id,
            ResourceBounds.None,
            ResourceBounds.None,
            more: new AllocationCommitted(Id, 1, new(500, 512), Day1.AddHours(10)));
        var released = Released(Id, 1, new(500, 512), Day1.AddHours(9), Day1.AddHours(25));

        var recorded = CostRules.PriceShadowRun(released, facts, SinglePrice());

        // 16 h × (0.5 × 0.04 + 0.5 × 0.005) = 16 × 0.0225, 15 h on day 1 and 1 h on day 2
        Assert.Equal(0.36m, recorded.Cost);
        Assert.Equal([0.3375m, 0.0225m], recorded.Segments!.Select(segment => segment.Cost));

        var book = new CostBook(keepNegotiations: true);
        book.Record(recorded, Day1.AddHours(25));
        var negotiation = Assert.Single(book.Negotiations);
        Assert.Equal(Id, negotiation.Id);
        Assert.Equal(0.3375m, negotiation.Days["2026-12-01"].ShadowCost);
        Assert.Equal(0.0225m, negotiation.Days["2026-12-02"].ShadowCost);
        Assert.Equal(1, negotiation.Days["2026-12-01"].ShadowRuns);
        Assert.Equal(0, negotiation.Days["2026-12-02"].ShadowRuns);
        Assert.Equal([0.3375m, 0.0225m], book.Cells.OrderBy(cell => cell.Id, StringComparer.Ordinal).Select(cell => cell.Totals.ShadowCost));
    }

    [Fact]
    public void Shadow_in_attempt_pool_with_gpus()
    {
        var options = new PricingOptions();
        options.Lists.Add(new PriceListVersionOptions
        {
            Version = "v1",
            EffectiveFrom = Day1,
            Pools =
            {
                ["default"] = new PoolPrice { VcpuHour = 0.04m, GibHour = 0.005m },
                ["gpu"] = new PoolPrice { VcpuHour = 0.05m, GibHour = 0.01m, GpuHour = 1.2m },
            },
        });
        var container = Container(ResourceBounds.None, ResourceBounds.None);
        var facts = NegotiationFacts.From(Id, [new AllocationProposed(Id, 1, new(1000, 1024), "gpu", WorkloadProfile.GpuInference, container, Pool: "gpu", Gpus: 1)]);

        var recorded = CostRules.PriceShadowRun(Released(Id, 1, new(1000, 1024), Day1.AddHours(1), Day1.AddHours(2)), facts, PriceList.From(options));

        // 1 h × (1 × 0.05 + 1 × 0.01 + 1 × 1.2)
        Assert.Equal("gpu", recorded.Pool);
        Assert.Equal(1.26m, recorded.Cost);
    }

    [Fact]
    public void Shadow_in_unpriced_pool_rejected()
    {
        var container = Container(ResourceBounds.None, ResourceBounds.None);
        var facts = NegotiationFacts.From(Id, [new AllocationProposed(Id, 1, new(1000, 1024), "x", WorkloadProfile.Generic, container, Pool: "arm")]);

        var error = Assert.Throws<PoolNotPricedException>(
            () => CostRules.PriceShadowRun(Released(Id, 1, new(1000, 1024), Day1, Day1.AddHours(1)), facts, SinglePrice()));

        Assert.Contains("Pools:arm", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shadow_records_claim_and_ready_time()
    {
        var facts = Facts(
            Id,
            ResourceBounds.None,
            ResourceBounds.None,
            more:
            [
                new ShadowClaimed(Id, 1, "shadow-1", "eventshadow-x-1", "workload", ColdStart: false, Day1.AddHours(9)),
                new ValidationPassed(Id, 1, "shadow-1", new ValidationMeasurements(true, true, false, 0, 100, null, 1.5, 0, 10, 5)),
            ]);

        var recorded = CostRules.PriceShadowRun(Released(Id, 1, new(250, 256), Day1.AddHours(9), Day1.AddHours(9.1)), facts, SinglePrice());

        Assert.False(recorded.ColdStart);
        Assert.Equal(1.5, recorded.TimeToReadySeconds);
    }

    [Fact]
    public void Idle_shadow_costs_memory_only()
    {
        var idled = new WarmShadowIdled("default", WorkloadProfile.Cache, "warm-1", 2048, Day1.AddHours(18), Day1.AddHours(30));

        var recorded = CostRules.PriceIdleShadow(idled, SinglePrice());

        // 12 h × 2 GiB × 0.005, 6 h on each day; no CPU although the price list has a vCPU price
        Assert.Equal(0.12m, recorded.Cost);
        Assert.Equal(43_200, recorded.IdleSeconds);
        Assert.Equal([0.06m, 0.06m], recorded.Segments.Select(segment => segment.Cost));

        var book = new CostBook(keepNegotiations: false);
        book.Record(recorded, Day1.AddHours(30));
        var cells = book.Cells.OrderBy(cell => cell.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(["2026-12-01|default|Cache", "2026-12-02|default|Cache"], cells.Select(cell => cell.Id));
        Assert.Equal([1, 0], cells.Select(cell => cell.Totals.IdlePeriods));
        Assert.Equal([0.06m, 0.06m], cells.Select(cell => cell.Totals.IdleCost));
    }

    [Fact]
    public void Commitment_saves_against_requests()
    {
        var facts = Facts(Id, new ResourceBounds(1000, 2048), new ResourceBounds(2000, 4096));
        var committed = new AllocationCommitted(Id, 1, new(500, 512), Day1.AddHours(10));

        var priced = CostRules.PriceCommitment(committed, facts, SinglePrice());

        // Committed: 0.5 × 0.04 + 0.5 × 0.005 = 0.0225 per hour.
        // Saved: (1 − 0.5) vCPU × 0.04 + (2 − 0.5) GiB × 0.005 = 0.0275 per hour.
        Assert.Equal(0.0225m, priced.CostPerHour);
        Assert.Equal("requests", priced.Savings.RequestedFrom);
        Assert.Equal(new ResourceAllocation(1000, 2048), priced.Savings.Requested);
        Assert.Equal(0.5, priced.Savings.SavedCores);
        Assert.Equal(1.5, priced.Savings.SavedGib);
        Assert.Equal(0.0275m, priced.Savings.SavedPerHour);
        Assert.Equal(0m, priced.Savings.ExtraPerHour);
        Assert.Equal("v1", priced.PriceVersion);
    }

    [Fact]
    public void Commitment_above_limit_shows_extra_with_reason()
    {
        var failed = new ValidationFailed(
            Id, 1, "shadow-1", ValidationFailure.OutOfMemory, ["OOM-killed"], new ValidationMeasurements(true, false, true, 1, 256, 137, null, 0, 10, 5));
        var facts = Facts(Id, ResourceBounds.None, new ResourceBounds(1000, 256), more: failed);
        var committed = new AllocationCommitted(Id, 2, new(1000, 512), Day1.AddHours(10));

        var priced = CostRules.PriceCommitment(committed, facts, SinglePrice());

        // Memory: 0.25 GiB above the 256 MiB limit × 0.005 = 0.00125 per hour extra; CPU equals the limit.
        Assert.Equal("limits", priced.Savings.RequestedFrom);
        Assert.Equal(0m, priced.Savings.SavedPerHour);
        Assert.Equal(0.25, priced.Savings.ExtraGib);
        Assert.Equal(0, priced.Savings.ExtraCores);
        Assert.Equal(0.00125m, priced.Savings.ExtraPerHour);
        Assert.Contains("attempt 1 was OOM-killed", priced.Savings.Explanation, StringComparison.Ordinal);
        Assert.Contains("0.00125 USD per hour extra", priced.Savings.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Commitment_without_resources_uses_profile_baseline()
    {
        var facts = Facts(Id, new ResourceBounds(null, 1024), ResourceBounds.None, WorkloadProfile.Cache);
        var committed = new AllocationCommitted(Id, 1, new(250, 256), Day1.AddHours(10));

        var priced = CostRules.PriceCommitment(committed, facts, SinglePrice());

        // CPU from the Cache baseline (1000m), memory from the request (1 GiB):
        // 0.75 × 0.04 + 0.75 × 0.005 = 0.03375 per hour.
        Assert.Equal("cpu: profile default, memory: requests", priced.Savings.RequestedFrom);
        Assert.Equal(new ResourceAllocation(1000, 1024), priced.Savings.Requested);
        Assert.Equal(0.03375m, priced.Savings.SavedPerHour);
    }

    [Fact]
    public void Commitment_priced_at_version_of_commit()
    {
        var facts = Facts(Id, new ResourceBounds(1000, 1024), ResourceBounds.None);

        var before = CostRules.PriceCommitment(new AllocationCommitted(Id, 1, new(1000, 1024), Day1.AddHours(10)), facts, PriceChangeAt11());
        var after = CostRules.PriceCommitment(new AllocationCommitted(Id, 1, new(1000, 1024), Day1.AddHours(12)), facts, PriceChangeAt11());

        Assert.Equal(("v1", 0.045m), (before.PriceVersion, before.CostPerHour));
        Assert.Equal(("v2", 0.09m), (after.PriceVersion, after.CostPerHour));
    }
}
