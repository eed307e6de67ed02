using System.Text;
using EventShadow.Negotiator.Manifests;
using EventShadow.Negotiator.Submission;
using EventShadow.Negotiator.Views;
using Marten;
using Marten.Pagination;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EventShadow.Negotiator.Api;

/// <summary>
/// The negotiation API: submit partial task definitions, read negotiations back.
/// </summary>
public static class NegotiationEndpoints
{
    private const int MaxSourceNameLength = 256;
    private const int MaxPageSize = 200;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IEndpointRouteBuilder MapNegotiationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/negotiate", SubmitAsync)
            .WithName("Negotiate")
            .WithSummary("Start negotiations for a partial task definition")
            .WithDescription(
                "The body is a Kubernetes manifest (one or more documents), a docker-compose file or JSON. " +
                "Every container of every workload in it starts a negotiation. Answers 202 with their ids.")
            .Accepts<string>("application/yaml", "application/json", "text/plain")
            .Produces<SubmissionResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();

        endpoints.MapGet("/negotiation/{id}", GetAsync)
            .WithName("GetNegotiation")
            .WithSummary("Read one negotiation: status, attempts, validations, final allocation and cost");

        endpoints.MapGet("/negotiations", ListAsync)
            .WithName("ListNegotiations")
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
        if (sourceName.Length > MaxSourceNameLength || sourceName.Any(char.IsControl))
        {
            return Invalid("source", $"The source name must be at most {MaxSourceNameLength} printable characters.");
        }

        var limit = options.Value.MaxDefinitionBytes;
        var body = await ReadBodyAsync(request, limit, cancellationToken);
        if (body.Error is { } bodyError)
        {
            return Invalid("body", bodyError);
        }

        try
        {
            var started = await submitter.SubmitAsync(body.Text!, sourceName, firstId: null, cancellationToken);
            var response = new SubmissionResponse(
                started[0].Id,
                Location(started[0].Id),
                started.Select(n => new SubmittedTask(n.Id, n.Task, Location(n.Id))).ToList());
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
            return Invalid("id", $"'{id}' is not a negotiation id; ids are GUIDs as POST /negotiate returns them.");
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
        [FromQuery] int? limit,
        [FromQuery] int? offset,
        IQuerySession session,
        CancellationToken cancellationToken)
    {
        NegotiationStatus? filter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<NegotiationStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                return Invalid("status", $"'{status}' is not a status; use one of {string.Join(", ", Enum.GetNames<NegotiationStatus>())}.");
            }

            filter = parsed;
        }

        var pageSize = limit ?? 50;
        if (pageSize is < 1 or > MaxPageSize)
        {
            return Invalid("limit", $"limit must be between 1 and {MaxPageSize}, not {pageSize}.");
        }

        var skip = offset ?? 0;
        if (skip < 0)
        {
            return Invalid("offset", $"offset must be 0 or more, not {skip}.");
        }

        var query = session.Query<NegotiationView>().Stats(out var statistics);
        var filtered = filter is { } wanted ? query.Where(view => view.Status == wanted) : query;
        var items = await filtered
            .OrderByDescending(view => view.UpdatedAt)
            .Skip(skip)
            .Take(pageSize)
            .ToListAsync(cancellationToken);

        var summaries = items.Select(view => new NegotiationSummary(
            view.Id, view.Task, view.Status, view.Allocation, view.Attempts.Count, view.UpdatedAt)).ToList();
        return TypedResults.Ok(new NegotiationPage(summaries, statistics.TotalResults));
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

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] },
            detail: message,
            title: "The request is invalid");

    private static string Location(Guid id) => $"/negotiation/{id}";
}

public sealed record SubmittedTask(Guid Id, string Task, string Location);

/// <summary>
/// Response body of <c>POST /negotiate</c>: the first negotiation's id and location, and every negotiation started.
/// </summary>
public sealed record SubmissionResponse(Guid Id, string Location, IReadOnlyList<SubmittedTask> Negotiations);

public sealed record NegotiationSummary(
    Guid Id, string Task, NegotiationStatus Status, EventShadow.Contracts.ResourceAllocation? Allocation, int Attempts, DateTimeOffset UpdatedAt);

public sealed record NegotiationPage(IReadOnlyList<NegotiationSummary> Items, long Total);
