using System.Globalization;
using EventShadow.Costs.Ledger;

namespace EventShadow.Costs.Reports;

/// <summary>
/// Sums cost history into a report. The live report and a replay pass their documents through here,
/// in the same order, so equal histories give equal reports.
/// </summary>
public static class CostReportBuilder
{
    public const decimal HoursPerMonth = 730m;

    public static CostReport Build(
        CostQuery query,
        IEnumerable<CostCell> cells,
        IEnumerable<ArrivalDay> arrivals,
        IEnumerable<NegotiationCost> negotiations,
        string source,
        ReplayStatistics? replay = null)
    {
        var inWindow = cells.Where(cell => query.Contains(cell.Day)).OrderBy(cell => cell.Id, StringComparer.Ordinal).ToList();
        var arrivalsByDay = arrivals
            .Where(day => query.Contains(day.Day))
            .ToDictionary(day => day.Day, day => day.Arrivals);
        var coldMeans = ColdMeansByProfile(inWindow);

        var daily = Daily(inWindow, arrivalsByDay, coldMeans);
        var total = Row("total", null, arrivalsByDay.Values.Sum(), inWindow.Select(cell => (cell.Totals, cell.Profile)), coldMeans);

        var (rows, totalRows) = query.GroupBy switch
        {
            CostGrouping.Day => (daily, daily.Count),
            CostGrouping.Pool => Grouped(inWindow, cell => cell.Pool, coldMeans),
            CostGrouping.Profile => Grouped(inWindow, cell => cell.Profile, coldMeans),
            _ => ByNegotiation(query, negotiations, coldMeans),
        };

        var currency = inWindow.Select(cell => cell.Totals.Currency).FirstOrDefault(name => name.Length > 0) ?? "";
        return new CostReport(
            query.GroupBy.ToString().ToLowerInvariant(), query.From, query.To, currency, source, rows, totalRows, total, daily, replay);
    }

    private static List<CostRow> Daily(List<CostCell> cells, Dictionary<DateOnly, int> arrivals, Dictionary<string, double> coldMeans)
    {
        var days = cells.Select(cell => cell.Day).Concat(arrivals.Keys).Distinct().Order();
        return days
            .Select(day => Row(
                CostDays.Key(day),
                null,
                arrivals.GetValueOrDefault(day),
                cells.Where(cell => cell.Day == day).Select(cell => (cell.Totals, cell.Profile)),
                coldMeans))
            .ToList();
    }

    private static (List<CostRow> Rows, int Count) Grouped(List<CostCell> cells, Func<CostCell, string> key, Dictionary<string, double> coldMeans)
    {
        var rows = cells
            .GroupBy(key, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => Row(group.Key, null, null, group.Select(cell => (cell.Totals, cell.Profile)), coldMeans))
            .ToList();
        return (rows, rows.Count);
    }

    /// <summary>Rows of the negotiations with costs in the window, newest submission first, one page of them.</summary>
    private static (List<CostRow> Rows, int Count) ByNegotiation(CostQuery query, IEnumerable<NegotiationCost> negotiations, Dictionary<string, double> coldMeans)
    {
        var matching = negotiations
            .Where(negotiation => negotiation.Days.Keys.Any(day => query.Contains(ParseDay(day))))
            .OrderByDescending(negotiation => negotiation.SubmittedAt ?? DateTimeOffset.MinValue)
            .ThenBy(negotiation => negotiation.Id)
            .ToList();

        var rows = matching
            .Skip(query.Offset)
            .Take(query.Limit)
            .Select(negotiation =>
            {
                var profile = negotiation.Profile ?? "Unknown";
                var days = negotiation.Days
                    .Where(day => query.Contains(ParseDay(day.Key)))
                    .OrderBy(day => day.Key, StringComparer.Ordinal)
                    .Select(day => (day.Value, profile));
                var row = Row(negotiation.Id.ToString(), negotiation.Task, null, days, coldMeans);
                return negotiation.Commitment is { } commitment && query.Contains(CostDays.DayOf(commitment.CommittedAt))
                    ? row with { Savings = row.Savings with { Explanation = commitment.Savings.Explanation } }
                    : row;
            })
            .ToList();
        return (rows, matching.Count);
    }

    private static CostRow Row(
        string key, string? task, int? arrivals, IEnumerable<(CostTotals Totals, string Profile)> parts, Dictionary<string, double> coldMeans)
    {
        var sum = new CostTotals();
        double readySaved = 0;
        var warmWithoutComparison = false;
        foreach (var (totals, profile) in parts)
        {
            sum.Add(totals);
            if (totals.WarmReadyCount == 0)
            {
                continue;
            }

            if (coldMeans.TryGetValue(profile, out var coldMean))
            {
                var warmMean = totals.WarmReadySeconds / totals.WarmReadyCount;
                readySaved += totals.WarmReadyCount * Math.Max(0, coldMean - warmMean);
            }
            else
            {
                warmWithoutComparison = true;
            }
        }

        return new CostRow(
            key,
            task,
            arrivals,
            Money(sum.Cost),
            new ShadowRunCost(Money(sum.ShadowCost), sum.ShadowSeconds, sum.ShadowRuns),
            new IdleShadowCost(Money(sum.IdleCost), sum.IdleSeconds, sum.IdlePeriods),
            new CommittedRate(sum.Commitments, Money(sum.CommittedPerHour), Money(sum.CommittedPerHour * HoursPerMonth)),
            new SavingsRate(
                Money(sum.SavedPerHour),
                Money(sum.SavedPerHour * HoursPerMonth),
                sum.SavedCores,
                sum.SavedGib,
                Money(sum.ExtraPerHour),
                Money(sum.ExtraPerHour * HoursPerMonth),
                sum.ExtraCores,
                sum.ExtraGib),
            ColdStarts(sum, readySaved, warmWithoutComparison),

            // Sorted, because the order first used depends on the order the CostLedger received
            // events of different negotiations, which the relay does not fix.
            sum.PriceVersions.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// Drops trailing zeros, so that an amount reads the same whether it was summed in memory or read
    /// back from a stored document (decimal keeps the scale of its operands: 0.0000 and 0 are equal).
    /// </summary>
    private static decimal Money(decimal amount) => amount / 1.000000000000000000000000000000000m;

    private static ColdStartSavings ColdStarts(CostTotals sum, double readySaved, bool warmWithoutComparison)
    {
        double? coldMean = sum.ColdReadyCount > 0 ? sum.ColdReadySeconds / sum.ColdReadyCount : null;
        double? warmMean = sum.WarmReadyCount > 0 ? sum.WarmReadySeconds / sum.WarmReadyCount : null;

        return new ColdStartSavings(sum.ColdStarts, sum.WarmStarts, coldMean, warmMean, readySaved, readySaved > 0 ? null : NothingSavedReason(sum, warmWithoutComparison));
    }

    private static string NothingSavedReason(CostTotals sum, bool warmWithoutComparison)
    {
        if (sum.ColdStarts + sum.WarmStarts == 0)
        {
            return "No shadow was claimed in this period.";
        }

        if (sum.WarmStarts == 0)
        {
            return "No warm claims: every shadow was created on demand, so no start-up time was saved.";
        }

        if (sum.WarmReadyCount == 0)
        {
            return "No warm claim had a measured time to ready.";
        }

        return warmWithoutComparison
            ? "No cold start of the same profile was measured in this period to compare the warm claims with."
            : "Warm shadows were not ready sooner than cold starts of the same profile.";
    }

    private static Dictionary<string, double> ColdMeansByProfile(List<CostCell> cells) =>
        cells
            .GroupBy(cell => cell.Profile, StringComparer.Ordinal)
            .Select(group => (group.Key, Seconds: group.Sum(cell => cell.Totals.ColdReadySeconds), Count: group.Sum(cell => cell.Totals.ColdReadyCount)))
            .Where(profile => profile.Count > 0)
            .ToDictionary(profile => profile.Key, profile => profile.Seconds / profile.Count, StringComparer.Ordinal);

    private static DateOnly ParseDay(string key) => DateOnly.ParseExact(key, "yyyy-MM-dd", CultureInfo.InvariantCulture);
}
