using System.Globalization;
using System.Text.Json;
using EventShadow.Costs.Ledger;
using EventShadow.Costs.Pricing;
using EventShadow.Costs.Replay;
using EventShadow.Costs.Reports;
using EventShadow.Hosting.Access;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace EventShadow.Negotiator.Api;

/// <summary>
/// The cost API: cost history from the projections, and replays of it with another price list.
/// </summary>
public static class CostEndpoints
{
    public const string NdjsonMediaType = "application/x-ndjson";

    /// <summary>Largest <c>POST /costs/replay</c> body read; a price list with its request fits in a few kilobytes.</summary>
    public const int MaxReplayRequestBytes = 64 * 1024;

    /// <summary>Maps <c>GET /costs</c> and <c>POST /costs/replay</c> and returns the application for chaining.</summary>
    public static WebApplication MapCostEndpoints(this WebApplication endpoints)
    {
        endpoints.MapGet("/costs", GetAsync)
            .WithName("GetCosts")
            .RequireAuthorization(ApiScopes.Read)
            .WithSummary("Cost history by day, pool, profile or negotiation")
            .WithDescription(
                "Sums the cost projections over UTC days from 'from' to 'to' (yyyy-MM-dd, both included, open when " +
                "missing). groupBy is day (default), pool, profile or negotiation; negotiations are paged with limit " +
                "(1 to 1000, default 100) and offset, newest submission first. Projections are built asynchronously, " +
                "so the newest events may be missing for a moment.")
            .Produces<CostReport>()
            .ProducesValidationProblem();

        endpoints.MapPost("/costs/replay", ReplayAsync)
            .WithName("ReplayCosts")
            .RequireAuthorization(ApiScopes.Submit)
            .WithSummary("Rebuild cost history from the event stream with another price list")
            .WithDescription(
                "The body contains 'prices' (the Pricing section's shape: currency, lists, baseline) and optionally " +
                "'from', 'to', 'groupBy', 'limit' and 'offset' as for GET /costs. The response is newline-delimited " +
                "JSON: progress lines ({\"type\":\"progress\"}) while the replay reads events, then one line with the " +
                "report ({\"type\":\"report\"}) or the error ({\"type\":\"error\"}). Nothing is written: the live " +
                "projections stay as they are.")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxReplayRequestBytes))
            .Accepts<CostReplayRequest>("application/json")
            .Produces<ReplayLine>(StatusCodes.Status200OK, NdjsonMediaType)
            .ProducesValidationProblem();

        return endpoints;
    }

    private static async Task<Results<Ok<CostReport>, ValidationProblem>> GetAsync(
        [AsParameters] CostParameters parameters, IQuerySession session, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var query = CostQuery.Parse(parameters.GroupBy, parameters.From, parameters.To, parameters.Limit, parameters.Offset, errors);
        if (query is null)
        {
            return Invalid(errors);
        }

        var from = query.FromDayNumber;
        var to = query.ToDayNumber;
        var cells = await session.Query<CostCell>()
            .Where(cell => cell.DayNumber >= from && cell.DayNumber <= to)
            .ToListAsync(cancellationToken);
        var arrivals = await session.Query<ArrivalDay>()
            .Where(day => day.DayNumber >= from && day.DayNumber <= to)
            .ToListAsync(cancellationToken);
        IReadOnlyList<NegotiationCost> negotiations = query.GroupBy == CostGrouping.Negotiation
            ? await session.Query<NegotiationCost>()
                .Where(cost => cost.LastDayNumber >= from && cost.FirstDayNumber <= to)
                .ToListAsync(cancellationToken)
            : [];

        return TypedResults.Ok(CostReportBuilder.Build(query, cells, arrivals, negotiations, "live"));
    }

    private static async Task<Results<EmptyHttpResult, ValidationProblem>> ReplayAsync(
        HttpContext http, IDocumentStore store, IOptions<JsonOptions> json, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (request, requestError) = await ReadRequestAsync(http.Request, json.Value.SerializerOptions, cancellationToken);
        if (request is null)
        {
            return Invalid(new Dictionary<string, string[]>(StringComparer.Ordinal) { ["body"] = [requestError!] });
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (query, prices) = CheckReplay(request, errors);
        if (query is null || prices is null)
        {
            return Invalid(errors);
        }

        http.Response.ContentType = NdjsonMediaType;
        await http.Response.StartAsync(cancellationToken);

        var writer = new ReplayLineWriter(http.Response.Body, json.Value.SerializerOptions);
        await StreamReplayAsync(new CostReplay(store), prices, query, writer, loggers.CreateLogger(typeof(CostEndpoints)), cancellationToken);
        return TypedResults.Empty;
    }

    /// <summary>Returns the report query and the price list of a replay request, or fills <paramref name="errors"/>.</summary>
    private static (CostQuery? Query, PriceList? Prices) CheckReplay(CostReplayRequest request, Dictionary<string, string[]> errors)
    {
        var limit = request.Limit?.ToString(CultureInfo.InvariantCulture);
        var offset = request.Offset?.ToString(CultureInfo.InvariantCulture);
        var query = CostQuery.Parse(request.GroupBy, request.From, request.To, limit, offset, errors);

        if (request.Prices is null)
        {
            errors["prices"] = ["prices is missing: send a price list in the shape of the Pricing section (currency, lists, baseline)."];
            return (query, null);
        }

        if (request.Prices.Check() is { Count: > 0 } priceErrors)
        {
            errors["prices"] = [.. priceErrors];
            return (query, null);
        }

        return (query, PriceList.From(request.Prices));
    }

    /// <summary>
    /// Runs the replay and writes its progress, then its report or its error, as lines. The status
    /// line is sent already, so an error can only travel as the last line.
    /// </summary>
    private static async Task StreamReplayAsync(
        CostReplay replay, PriceList prices, CostQuery query, ReplayLineWriter writer, ILogger logger, CancellationToken cancellationToken)
    {
        logger.LogInformation(
            "Cost replay started with price list versions {Versions} for {From} to {To}",
            string.Join(",", prices.Versions.Select(version => version.Version)), query.From, query.To);
        try
        {
            var report = await replay.RunAsync(
                prices, query, progress => writer.WriteAsync(new ReplayLine("progress", Progress: progress), cancellationToken), cancellationToken);
            await writer.WriteAsync(new ReplayLine("report", Report: report), cancellationToken);
            logger.LogInformation(
                "Cost replay read {Events} events in {Seconds:0.0} s ({EventsPerSecond:0} events/s)",
                report.Replay!.Events, report.Replay.Seconds, report.Replay.EventsPerSecond);
        }
        catch (PoolNotPricedException ex)
        {
            logger.LogWarning("Cost replay stopped: {Error}", ex.Message);
            await writer.WriteAsync(new ReplayLine("error", Error: ex.Message), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Cost replay failed: {Error}", ex.Message);
            await writer.WriteAsync(new ReplayLine("error", Error: $"The replay failed: {ex.Message}"), cancellationToken);
        }
    }

    private static async Task<(CostReplayRequest? Request, string? Error)> ReadRequestAsync(
        HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<CostReplayRequest>(request.Body, options, cancellationToken);
            return body is null ? (null, "The body is empty; send a JSON object with 'prices'.") : (body, null);
        }
        catch (JsonException ex)
        {
            return (null, $"The body is not a valid replay request: {ex.Message}");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, $"The body has more than {MaxReplayRequestBytes} bytes, the most POST /costs/replay reads.");
        }
    }

    private static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(
            errors,
            detail: string.Join(" ", errors.Values.SelectMany(messages => messages)),
            title: "The request is invalid");

    /// <summary>Writes one JSON object per line and flushes it, so that the client sees progress as it happens.</summary>
    private sealed class ReplayLineWriter(Stream body, JsonSerializerOptions options)
    {
        private static readonly byte[] NewLine = "\n"u8.ToArray();

        public async Task WriteAsync(ReplayLine line, CancellationToken cancellationToken)
        {
            await JsonSerializer.SerializeAsync(body, line, options, cancellationToken);
            await body.WriteAsync(NewLine, cancellationToken);
            await body.FlushAsync(cancellationToken);
        }
    }
}

/// <summary>Query parameters of <c>GET /costs</c>, read as text so that invalid values get a problem that names them.</summary>
public sealed class CostParameters
{
    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "groupBy")]
    public string? GroupBy { get; set; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "from")]
    public string? From { get; set; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "to")]
    public string? To { get; set; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")]
    public string? Limit { get; set; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "offset")]
    public string? Offset { get; set; }
}
