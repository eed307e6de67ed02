using EventShadow.Contracts;
using EventShadow.Costs.Charts;
using EventShadow.Costs.Ledger;
using EventShadow.Costs.Reports;
using EventShadow.Costs.Rules;
using static EventShadow.UnitTests.Costs.CostFixtures;

namespace EventShadow.UnitTests.Costs;

public class CostChartTests
{
    [Fact]
    public void Chart_written_as_png()
    {
        var report = CostReportBuilder.Build(CostQuery.All, Book().Cells, Book().Arrivals, [], "live");
        var path = Path.Combine(Path.GetTempPath(), $"cost-chart-{Guid.NewGuid():N}.png");

        try
        {
            CostChart.Save(report, path);

            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 10_000, $"the chart has only {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Two_days_get_one_label_each()
    {
        var ticks = CostChart.DayTicks(["2026-12-03", "2026-12-04"]);

        Assert.Equal(["2026-12-03", "2026-12-04"], ticks.Select(tick => tick.Label));
        Assert.Equal(1.0, ticks[1].Position - ticks[0].Position, precision: 9);
    }

    [Fact]
    public void Month_gets_at_most_twelve_labels()
    {
        var days = Enumerable.Range(0, 31).Select(day => new DateOnly(2026, 12, 1).AddDays(day).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var ticks = CostChart.DayTicks(days);

        Assert.InRange(ticks.Count, 8, 12);
        Assert.Equal("2026-12-01", ticks[0].Label);
        Assert.Equal(ticks.Count, ticks.Select(tick => tick.Label).Distinct().Count());
    }

    /// <summary>Two weeks of demand, shadow runs, commitments and idle warm shadows that vary by day.</summary>
    internal static CostBook Book()
    {
        var prices = SinglePrice();
        var book = new CostBook(keepNegotiations: false);
        for (var day = 0; day < 14; day++)
        {
            var date = Day1.AddDays(day);
            var arrivals = 3 + ((day * 7) % 9);
            for (var task = 0; task < arrivals; task++)
            {
                var id = Guid.NewGuid();
                var facts = Facts(id, new ResourceBounds(1000, 2048), ResourceBounds.None);
                var claimed = date.AddHours(8 + task);
                book.Record(new PartialTaskSubmitted(id, "t", "s", "kubernetes", facts.Container!, claimed), claimed);
                book.Record(CostRules.PriceShadowRun(Released(id, 1, new(1000, 2048), claimed, claimed.AddMinutes(20 + (task * 5))), facts, prices), claimed);
                book.Record(CostRules.PriceCommitment(new AllocationCommitted(id, 1, new(250 + (task % 3 * 250), 512), claimed.AddMinutes(20)), facts, prices), claimed);
            }

            var idleHours = 4 + ((day * 5) % 12);
            book.Record(CostRules.PriceIdleShadow(new WarmShadowIdled("default", WorkloadProfile.Cache, $"warm-{day}", 4096, date, date.AddHours(idleHours)), prices), date);
        }

        return book;
    }
}
