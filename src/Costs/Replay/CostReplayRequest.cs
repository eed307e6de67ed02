using EventShadow.Costs.Pricing;

namespace EventShadow.Costs.Replay;

/// <summary>
/// Body of <c>POST /costs/replay</c>: the price list to replay with and the report to return.
/// </summary>
/// <param name="Prices">The price list, in the shape of the <c>Pricing</c> configuration section.</param>
/// <param name="From">First UTC day of the report, <c>yyyy-MM-dd</c>; null for no bound.</param>
/// <param name="To">Last UTC day of the report, included; null for no bound.</param>
/// <param name="GroupBy"><c>day</c> (default), <c>pool</c>, <c>profile</c> or <c>negotiation</c>.</param>
public sealed record CostReplayRequest(
    PricingOptions? Prices,
    string? From = null,
    string? To = null,
    string? GroupBy = null,
    int? Limit = null,
    int? Offset = null);
