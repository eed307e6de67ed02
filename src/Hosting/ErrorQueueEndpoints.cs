using EventShadow.Hosting.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventShadow.Hosting;

/// <summary>
/// <c>GET /errors</c> and <c>POST /errors/{endpoint}/replay</c>: every service shows and replays the
/// error queues of its own receive endpoints. Listing needs the <c>read</c> scope, replaying <c>submit</c>.
/// </summary>
public static class ErrorQueueEndpoints
{
    public const int MaxReplay = 10_000;

    public static IEndpointRouteBuilder MapErrorQueueEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/errors", ListAsync)
            .WithName("ListErrorQueues")
            .WithSummary("Messages that failed after their retries, per receive endpoint of this service, with the exception of each");
        endpoints.MapPost("/errors/{endpoint}/replay", ReplayAsync)
            .RequireAuthorization(ApiScopes.Submit)
            .WithName("ReplayErrorQueue")
            .WithSummary("Move failed messages of an endpoint back to it, once what made them fail is fixed");
        return endpoints;
    }

    private static async Task<Results<Ok<IReadOnlyList<ErrorQueueReport>>, ValidationProblem>> ListAsync(
        ErrorQueues queues, CancellationToken cancellationToken, int samples = 5)
    {
        if (samples is < 0 or > 20)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                ["samples"] = [$"samples must be between 0 and 20; it was {samples}."],
            });
        }

        return TypedResults.Ok(await queues.ListAsync(samples, cancellationToken));
    }

    private static async Task<Results<Ok<ErrorReplay>, ValidationProblem, ProblemHttpResult>> ReplayAsync(
        string endpoint, ErrorQueues queues, CancellationToken cancellationToken, int limit = 100)
    {
        if (limit is < 1 or > MaxReplay)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                ["limit"] = [$"limit must be between 1 and {MaxReplay}; it was {limit}."],
            });
        }

        if (!queues.Serves(endpoint))
        {
            return TypedResults.Problem(
                title: "Unknown endpoint",
                detail: $"endpoint '{endpoint}' is not a receive endpoint of this service; it has {string.Join(", ", queues.Endpoints)}.",
                statusCode: StatusCodes.Status404NotFound);
        }

        return TypedResults.Ok(await queues.ReplayAsync(endpoint, limit, cancellationToken));
    }
}
