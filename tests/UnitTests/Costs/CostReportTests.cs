using EventShadow.Contracts;
using EventShadow.Costs.Ledger;
using EventShadow.Costs.Reports;
using EventShadow.Costs.Rules;
using static EventShadow.UnitTests.Costs.CostFixtures;

namespace EventShadow.UnitTests.Costs;

public class CostReportTests
{
    private static readonly DateTimeOffset Day2 = Day1.AddDays(1);

    [Fact]
    public void Report_by_day_sums_costs_and_arrivals()
    {
        var book = History();

        var report = CostReportBuilder.Build(CostQuery.All, book.Cells, book.Arrivals, book.Negotiations, "live");

        Assert.Equal(["2026-12-01", "2026-12-02"], report.Rows.Select(row => row.Key));
        Assert.Equal([2, 1], report.Rows.Select(row => row.Arrivals));

        // Day 1: shadow runs 0.045 + 0.045 and the commitment; day 2: one idle hour of 2 GiB (0.01) and one shadow run (0.045).
        Assert.Equal([0.09m, 0.055m], report.Rows.Select(row => row.Cost));
        Assert.Equal(0.145m, report.Total.Cost);
        Assert.Equal(1, report.Total.Committed.Allocations);
        Assert.Equal(0.0275m, report.Total.Savings.SavedPerHour);
        Assert.Equal(20.075m, report.Total.Savings.SavedPerMonth);
        Assert.Equal("USD", report.Currency);
    }

    [Fact]
    public void Report_window_includes_both_ends()
    {
        var book = History();

        var report = CostReportBuilder.Build(new CostQuery(CostGrouping.Pool, DateOnly.FromDateTime(Day2.UtcDateTime), DateOnly.FromDateTime(Day2.UtcDateTime)), book.Cells, book.Arrivals, book.Negotiations, "live");

        var row = Assert.Single(report.Rows);
        Assert.Equal("default", row.Key);
        Assert.Equal(0.055m, row.Cost);
        Assert.Equal(0.01m, row.IdleShadows.Cost);
        Assert.Equal(1, report.Total.Arrivals);
    }

    [Fact]
    public void Cold_start_savings_against_profile_cold_mean()
    {
        var book = History();

        var report = CostReportBuilder.Build(CostQuery.All with { GroupBy = CostGrouping.Profile }, book.Cells, book.Arrivals, book.Negotiations, "live");

        // Cold starts ready after 10 s and 14 s (mean 12 s); the warm claim was ready after 2 s: 10 s saved.
        var cache = Assert.Single(report.Rows);
        Assert.Equal(2, cache.ColdStarts.ColdStarts);
        Assert.Equal(1, cache.ColdStarts.WarmStarts);
        Assert.Equal(12, cache.ColdStarts.MeanColdReadySeconds);
        Assert.Equal(10, cache.ColdStarts.ReadySecondsSaved);
        Assert.Null(cache.ColdStarts.Reason);
    }

    [Fact]
    public void No_warm_claims_gives_reason()
    {
        var book = new CostBook(keepNegotiations: false);
        book.Record(Shadow(Guid.NewGuid(), Day1.AddHours(9), coldStart: true, ready: 10), Day1);

        var report = CostReportBuilder.Build(CostQuery.All, book.Cells, book.Arrivals, [], "live");

        Assert.Equal(0, report.Total.ColdStarts.ReadySecondsSaved);
        Assert.Contains("No warm claims", report.Total.ColdStarts.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_by_negotiation_carries_explanation()
    {
        var book = History();

        var report = CostReportBuilder.Build(CostQuery.All with { GroupBy = CostGrouping.Negotiation }, book.Cells, book.Arrivals, book.Negotiations, "live");

        Assert.Equal(2, report.TotalRows);
        var committed = report.Rows.Single(row => row.Committed.Allocations == 1);
        Assert.Equal("Deployment/cache/redis", committed.Task);
        Assert.Contains("Saves 0.5 vCPU and 1.5 GiB per hour", committed.Savings.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Query_rejects_bad_parameters()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);

        var query = CostQuery.Parse("week", "2026-13-01", "yesterday", "0", "-1", errors);

        Assert.Null(query);
        Assert.Equal(["from", "groupBy", "limit", "offset", "to"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Query_rejects_to_before_from()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);

        Assert.Null(CostQuery.Parse("pool", "2026-12-02", "2026-12-01", null, null, errors));
        Assert.Contains("before from", Assert.Single(errors["to"]), StringComparison.Ordinal);
    }

    /// <summary>
    /// Two negotiations submitted on day 1, one of them committed, and one on day 2. Three shadow
    /// hours of 1 core and 1 GiB, one of them claimed warm, and one idle hour of a 2 GiB warm shadow on day 2.
    /// </summary>
    private static CostBook History()
    {
        var prices = SinglePrice();
        var book = new CostBook(keepNegotiations: true);
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        var facts = Facts(first, new(1000, 2048), ResourceBounds.None);
        var container = Container(ResourceBounds.None, ResourceBounds.None);

        book.Record(new PartialTaskSubmitted(first, "Deployment/cache/redis", "a.yaml", "kubernetes", container, Day1.AddHours(9)), Day1);
        book.Record(new PartialTaskSubmitted(second, "Deployment/cache/valkey", "b.yaml", "kubernetes", container, Day1.AddHours(9)), Day1);
        book.Record(new PartialTaskSubmitted(Guid.NewGuid(), "Pod/web", "c.yaml", "kubernetes", container, Day2.AddHours(1)), Day2);
        book.Record(Shadow(first, Day1.AddHours(9), coldStart: true, ready: 10), Day1);
        book.Record(Shadow(second, Day1.AddHours(12), coldStart: true, ready: 14), Day1);
        book.Record(Shadow(second, Day2.AddHours(2), coldStart: false, ready: 2), Day2);
        book.Record(CostRules.PriceCommitment(new AllocationCommitted(first, 1, new(500, 512), Day1.AddHours(10)), facts, prices), Day1);
        book.Record(CostRules.PriceIdleShadow(new WarmShadowIdled("default", WorkloadProfile.Cache, "warm", 2048, Day2.AddHours(3), Day2.AddHours(4)), prices), Day2);
        return book;
    }

    private static ShadowCostRecorded Shadow(Guid id, DateTimeOffset claimed, bool coldStart, double ready)
    {
        var facts = Facts(
            id,
            ResourceBounds.None,
            ResourceBounds.None,
            more:
            [
                new ShadowClaimed(id, 1, "s", "n", "workload", coldStart, claimed),
                new ValidationPassed(id, 1, "s", new ValidationMeasurements(true, true, false, 0, 10, null, ready, 0, 1, 1)),
            ]);
        return CostRules.PriceShadowRun(Released(id, 1, new(1000, 1024), claimed, claimed.AddHours(1)), facts, SinglePrice());
    }
}
