using System.Globalization;

namespace EventShadow.Costs.Reports;

/// <summary>How a cost report groups its rows.</summary>
public enum CostGrouping
{
    Day,
    Pool,
    Profile,
    Negotiation,
}

/// <summary>
/// What a cost report covers: its grouping, UTC days from <see cref="From"/> to <see cref="To"/>
/// (both included; null for no bound) and, for negotiations, one page of rows.
/// </summary>
public sealed record CostQuery(CostGrouping GroupBy, DateOnly? From, DateOnly? To, int Limit = CostQuery.DefaultLimit, int Offset = 0)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static readonly CostQuery All = new(CostGrouping.Day, null, null);

    public bool Contains(DateOnly day) => (From is null || day >= From) && (To is null || day <= To);

    public int FromDayNumber => From?.DayNumber ?? int.MinValue;

    public int ToDayNumber => To?.DayNumber ?? int.MaxValue;

    /// <summary>
    /// Parses the query parameters of <c>GET /costs</c>. Returns null and fills <paramref name="errors"/>
    /// with one message per invalid parameter when any is invalid.
    /// </summary>
    public static CostQuery? Parse(string? groupBy, string? from, string? to, string? limit, string? offset, IDictionary<string, string[]> errors)
    {
        var grouping = CostGrouping.Day;
        if (!string.IsNullOrWhiteSpace(groupBy) && !TryParseGrouping(groupBy, out grouping))
        {
            errors["groupBy"] = [$"groupBy must be one of day, pool, profile or negotiation, not '{groupBy}'."];
        }

        var fromDay = ParseDay("from", from, errors);
        var toDay = ParseDay("to", to, errors);
        if (fromDay is { } first && toDay is { } last && first > last)
        {
            errors["to"] = [$"to ({last:yyyy-MM-dd}) is before from ({first:yyyy-MM-dd}); both days are included, so to must be on or after from."];
        }

        var pageSize = ParseWhole("limit", limit, DefaultLimit, 1, MaxLimit, errors);
        var skip = ParseWhole("offset", offset, 0, 0, int.MaxValue, errors);

        return errors.Count == 0 ? new CostQuery(grouping, fromDay, toDay, pageSize, skip) : null;
    }

    public static bool TryParseGrouping(string text, out CostGrouping grouping)
    {
        // Names only: Enum.TryParse would also take numbers such as "1".
        var match = Enum.GetNames<CostGrouping>().FirstOrDefault(name => string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase));
        grouping = match is null ? CostGrouping.Day : Enum.Parse<CostGrouping>(match);
        return match is not null;
    }

    public static bool TryParseDay(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    private static DateOnly? ParseDay(string name, string? text, IDictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!TryParseDay(text, out var day))
        {
            errors[name] = [$"{name} must be a UTC day written yyyy-MM-dd, such as 2026-12-01, not '{text}'."];
            return null;
        }

        return day;
    }

    private static int ParseWhole(string name, string? text, int fallback, int minimum, int maximum, IDictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < minimum || value > maximum)
        {
            errors[name] = [string.Create(CultureInfo.InvariantCulture, $"{name} must be a whole number from {minimum} to {maximum}, not '{text}'.")];
            return fallback;
        }

        return value;
    }
}
