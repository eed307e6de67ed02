using System.Text;
using EventShadow.Hosting.Access;
using EventShadow.Negotiator.Manifests;
using EventShadow.Negotiator.Submission;
using EventShadow.Negotiator.Views;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EventShadow.Negotiator.Api;

/// <summary>
/// The negotiation API: submit partial task definitions, read negotiations back.
/// </summary>
public static class NegotiationEndpoints
{
    private const int MaxPageSize = 200;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IEndpointRouteBuilder MapNegotiationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/negotiate", SubmitAsync)
            .WithName("Negotiate")
            .RequireAuthorization(ApiScopes.Submit)
            .WithSummary("Start negotiations for a partial task definition")
            .WithDescription(
                "The body is UTF-8 text: a Kubernetes manifest (one or more documents), a docker-compose file or JSON, " +
                "whatever the Content-Type. With Content-Type text/plain, a body that is not a manifest is read as " +
                "free-text hints, such as 'needs a database, lots of memory'. Every container of every workload starts " +
                "a negotiation. Answers 202 with their ids.")
            .Produces<SubmissionResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();

        endpoints.MapGet("/negotiation/{id}", GetAsync)
            .WithName("GetNegotiation")
            .RequireAuthorization(ApiScopes.Read)
            .WithSummary("Read one negotiation: status, attempts, validations, final allocation and cost")
            .ProducesProblem(StatusCodes.Status404NotFound);

        endpoints.MapGet("/negotiations", ListAsync)
            .WithName("ListNegotiations")
            .RequireAuthorization(ApiScopes.Read)
            .WithSummary("List negotiations, newest change first");

        return endpoints;
    }

    private static async Task<Results<Accepted<SubmissionResponse>, ValidationProblem>> SubmitAsync(
        HttpRequest request,
        [FromQuery] string? source,
        NegotiationSubmitter submitter,
        IOptions<ApiOptions> options,
        CancellationToken cancellationToken)
    {
        var sourceName = string.IsNullOrWhiteSpace(source) ? "request" : source.Trim();
        if (NegotiationSubmitter.CheckSourceName(sourceName) is { } invalidSource)
        {
            return Invalid("source", invalidSource);
        }

        var limit = options.Value.MaxDefinitionBytes;
        var body = await ReadBodyAsync(request, limit, cancellationToken);
        if (body.Error is { } bodyError)
        {
            return Invalid("body", bodyError);
        }

        try
        {
            var started = await submitter.SubmitAsync(body.Text!, sourceName, request.ContentType, firstId: null, cancellationToken);
            var response = new SubmissionResponse(
                started[0].Id,
                Location(started[0].Id),
                started.Select(n => new SubmittedTask(n.Id, n.Task, Location(n.Id), n.Committed?.Allocation, n.Committed?.Pool)).ToList());
            return TypedResults.Accepted(response.Location, response);
        }
        catch (ManifestException ex)
        {
            var field = ex.Path ?? "body";
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [ex.Message] },
                detail: ex.Message,
                title: "The partial task definition is invalid",
                extensions: new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["source"] = ex.SourceName,
                    ["document"] = ex.Document,
                    ["path"] = ex.Path,
                    ["line"] = ex.Line,
                });
        }
    }

    private static async Task<Results<Ok<NegotiationView>, ProblemHttpResult, ValidationProblem>> GetAsync(
        string id, IDocumentSession session, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var negotiationId))
        {
            return InvalidRequest.NegotiationId(id);
        }

        // The view is built asynchronously; FetchLatest adds any events the daemon has not applied yet.
        var view = await session.Events.FetchLatest<NegotiationView>(negotiationId, cancellationToken);
        if (view is null)
        {
            return TypedResults.Problem(
                detail: $"No negotiation has the id {negotiationId}.",
                statusCode: StatusCodes.Status404NotFound,
                title: "Negotiation not found");
        }

        return TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<NegotiationPage>, ValidationProblem>> ListAsync(
        [FromQuery] string? status,
        [FromQuery] string? limit,
        [FromQuery] string? offset,
        IQuerySession session,
        CancellationToken cancellationToken)
    {
        var statuses = new List<NegotiationStatus>();
        foreach (var name in (status ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Names only: Enum.TryParse would also take numbers such as "1".
            var match = Enum.GetNames<NegotiationStatus>().FirstOrDefault(known => string.Equals(known, name, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                return Invalid("status", $"'{name}' is not a status; use one or more of {string.Join(", ", Enum.GetNames<NegotiationStatus>())}, separated by commas.");
            }

            statuses.Add(Enum.Parse<NegotiationStatus>(match));
        }

        if (!TryParseBounded(limit, 50, 1, MaxPageSize, out var pageSize))
        {
            return Invalid("limit", $"limit must be a whole number from 1 to {MaxPageSize}, not '{limit}'.");
        }

        if (!TryParseBounded(offset, 0, 0, int.MaxValue, out var skip))
        {
            return Invalid("offset", $"offset must be a whole number from 0 to {int.MaxValue}, not '{offset}'.");
        }

        var query = statuses.Count == 0 ? session.Query<NegotiationView>() : session.Query<NegotiationView>().Where(view => view.Status.In(statuses.ToArray()));
        var total = await query.CountAsync(cancellationToken);
        var items = await query
            .OrderByDescending(view => view.UpdatedAt)
            .Skip(skip)
            .Take(pageSize)
            .ToListAsync(cancellationToken);

        var summaries = items.Select(view => new NegotiationSummary(
            view.Id, view.Task, view.Status, view.Allocation, view.Attempts.Count, view.UpdatedAt)).ToList();
        return TypedResults.Ok(new NegotiationPage(summaries, total));
    }

    private static bool TryParseBounded(string? text, int fallback, int minimum, int maximum, out int value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value) &&
            value >= minimum && value <= maximum;
    }

    private static async Task<(string? Text, string? Error)> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, TooLarge(request.ContentLength.Value, limit));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return (null, TooLarge(buffer.Length + read, limit));
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return (null, "The body is empty; send a Kubernetes manifest, a docker-compose file or JSON.");
        }

        try
        {
            return (StrictUtf8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), null);
        }
        catch (DecoderFallbackException)
        {
            return (null, "The body is not valid UTF-8 text.");
        }
    }

    private static string TooLarge(long size, int limit) =>
        $"The body has more than {limit} bytes (at least {size}); the limit is set by Api:MaxDefinitionBytes.";

    private static ValidationProblem Invalid(string field, string message) => InvalidRequest.Problem(field, message);

    private static string Location(Guid id) => $"/negotiation/{id}";
}

/// <summary>
/// One negotiation started by <c>POST /negotiate</c>.
/// </summary>
/// <param name="Allocation">
/// The committed allocation when the negotiation committed as it was submitted, because its workload's
/// usage history is trusted; null while it negotiates.
/// </param>
/// <param name="Pool">The pool that leases <paramref name="Allocation"/>; null while it negotiates.</param>
public sealed record SubmittedTask(
    Guid Id, string Task, string Location, EventShadow.Contracts.ResourceAllocation? Allocation = null, string? Pool = null);

/// <summary>
/// Response body of <c>POST /negotiate</c>: the first negotiation's id and location, and every negotiation started.
/// </summary>
public sealed record SubmissionResponse(Guid Id, string Location, IReadOnlyList<SubmittedTask> Negotiations);

public sealed record NegotiationSummary(
    Guid Id, string Task, NegotiationStatus Status, EventShadow.Contracts.ResourceAllocation? Allocation, int Attempts, DateTimeOffset UpdatedAt);

public sealed record NegotiationPage(IReadOnlyList<NegotiationSummary> Items, long Total);
