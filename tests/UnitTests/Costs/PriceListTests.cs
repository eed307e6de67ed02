using EventShadow.Costs.Pricing;
using static EventShadow.UnitTests.Costs.CostFixtures;

namespace EventShadow.UnitTests.Costs;

public class PriceListTests
{
    [Fact]
    public void VersionAt_picks_latest_effective()
    {
        var prices = PriceChangeAt11();

        Assert.Equal("v1", prices.VersionAt(Day1.AddHours(10)).Version);
        Assert.Equal("v2", prices.VersionAt(Day1.AddHours(11)).Version);
        Assert.Equal("v2", prices.VersionAt(Day1.AddDays(40)).Version);
    }

    [Fact]
    public void VersionAt_before_first_uses_first()
    {
        var prices = Prices(("only", Day1, 0.04m, 0.005m));

        Assert.Equal("only", prices.VersionAt(Day1.AddYears(-1)).Version);
    }

    [Fact]
    public void Split_at_price_change_and_midnight()
    {
        var prices = PriceChangeAt11();

        var spans = prices.Split(Day1.AddHours(10), Day1.AddHours(26));

        Assert.Equal(3, spans.Count);
        Assert.Equal((Day1.AddHours(10), Day1.AddHours(11), "v1"), (spans[0].Start, spans[0].End, spans[0].Version.Version));
        Assert.Equal((Day1.AddHours(11), Day1.AddHours(24), "v2"), (spans[1].Start, spans[1].End, spans[1].Version.Version));
        Assert.Equal((Day1.AddHours(24), Day1.AddHours(26), "v2"), (spans[2].Start, spans[2].End, spans[2].Version.Version));
        Assert.Equal(new DateOnly(2026, 12, 2), spans[2].Day);
    }

    [Fact]
    public void Split_of_reversed_interval_is_empty()
    {
        Assert.Empty(SinglePrice().Split(Day1.AddHours(2), Day1.AddHours(1)));
    }

    [Fact]
    public void Options_reject_empty_duplicate_and_negative()
    {
        var empty = new PricingOptions();
        Assert.Contains(empty.Check(), error => error.Contains("Pricing:Lists is empty", StringComparison.Ordinal));

        var options = new PricingOptions();
        options.Lists.Add(new PriceListVersionOptions { Version = "a", EffectiveFrom = Day1, Pools = { ["default"] = new PoolPrice { VcpuHour = -1 } } });
        options.Lists.Add(new PriceListVersionOptions { Version = "a", EffectiveFrom = Day1, Pools = { ["default"] = new PoolPrice() } });
        var errors = options.Check();

        Assert.Contains(errors, error => error.Contains("negative price", StringComparison.Ordinal));
        Assert.Contains(errors, error => error.Contains("Version 'a' is used by an earlier version", StringComparison.Ordinal));
        Assert.Contains(errors, error => error.Contains("cannot take effect at the same instant", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => PriceList.From(options));
    }
}
