using System.Text.Json;
using EventShadow.Contracts;
using EventShadow.Hosting.Access;
using EventShadow.Negotiator.Validation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventShadow.Negotiator.Api;

/// <summary>
/// The on-demand validation API: run a validation suite on a configured shadow, read the result back.
/// </summary>
public static class ValidationEndpoints
{
    /// <summary>Largest request body <c>POST /validate</c> reads; a valid one is a few hundred bytes.</summary>
    private const int MaxBodyBytes = 4096;

    public static IEndpointRouteBuilder MapValidationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/validate", ValidateAsync)
            .WithName("Validate")
            .RequireAuthorization(ApiScopes.Submit)
            .WithSummary("Run a validation suite on a negotiation's configured shadow")
            .WithDescription(
                "The body is JSON with either negotiationId (the negotiation's current shadow) or shadowId (a full Docker " +
                "container id or a prefix of at least 12 characters), and optionally suite (a suite name such as Cache; by " +
                "default the suite of the workload's profile). Answers 202 with the validation's id and location. Only a " +
                "negotiation in Validating has a configured shadow; other states answer 409.")
            .Accepts<ValidateRequest>("application/json")
            .Produces<ValidationAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        endpoints.MapGet("/validation/{id}", GetAsync)
            .WithName("GetValidation")
            .RequireAuthorization(ApiScopes.Read)
            .WithSummary("Read one on-demand validation: status, measurements and reasons")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return endpoints;
    }

    private static async Task<Results<Accepted<ValidationAccepted>, ProblemHttpResult, ValidationProblem>> ValidateAsync(
        HttpRequest request, IDocumentSession session, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (body, error) = await ReadRequestAsync(request, cancellationToken);
        if (error is { } invalid)
        {
            return Invalid(invalid.Field, invalid.Message);
        }

        var targets = new ValidationTargets(session);
        var target = body!.NegotiationId is { } negotiationId
            ? await targets.ByNegotiationAsync(negotiationId, cancellationToken)
            : await targets.ByShadowAsync(body.ShadowId!, cancellationToken);

        if (target.Problem is { } problem)
        {
            var extensions = problem.State is { } state
                ? new Dictionary<string, object?>(StringComparer.Ordinal) { ["state"] = state.ToString() }
                : null;
            return TypedResults.Problem(detail: problem.Detail, statusCode: problem.StatusCode, title: problem.Title, extensions: extensions);
        }

        var shadow = target.Shadow!;
        var validationId = Guid.NewGuid();
        session.Events.StartStream<ValidationRunView>(validationId, new ValidateShadow(validationId, shadow, body.Suite, time.GetUtcNow()));
        await session.SaveChangesAsync(cancellationToken);

        loggers.CreateLogger(typeof(ValidationEndpoints)).LogInformation(
            "Queued validation {ValidationId} of shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} with suite {Suite}",
            validationId, shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, body.Suite ?? "of its profile");

        var location = Location(validationId);
        return TypedResults.Accepted(location, new ValidationAccepted(
            validationId, location, ValidationRunStatus.Queued, shadow.NegotiationId, shadow.Attempt, shadow.ShadowId, body.Suite));
    }

    private static async Task<Results<Ok<ValidationRunView>, ProblemHttpResult, ValidationProblem>> GetAsync(
        string id, IDocumentSession session, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var validationId))
        {
            return Invalid("id", $"'{id}' is not a validation id; ids are GUIDs as POST /validate returns them.");
        }

        // The view is built asynchronously; FetchLatest adds any events the daemon has not applied yet.
        var view = await session.Events.FetchLatest<ValidationRunView>(validationId, cancellationToken);
        if (view is null)
        {
            return TypedResults.Problem(
                detail: $"No validation has the id {validationId}.",
                statusCode: StatusCodes.Status404NotFound,
                title: "Validation not found");
        }

        return TypedResults.Ok(view);
    }

    /// <summary>
    /// Reads and checks the body: exactly one of <c>negotiationId</c> and <c>shadowId</c>, and a valid suite name.
    /// </summary>
    private static async Task<(ValidateRequest? Body, (string Field, string Message)? Error)> ReadRequestAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        var (json, error) = await ReadJsonObjectAsync(request, cancellationToken);
        if (error is not null)
        {
            return (null, ("body", error));
        }

        var negotiationText = StringProperty(json, "negotiationId");
        var shadowId = StringProperty(json, "shadowId")?.Trim();
        var suite = StringProperty(json, "suite")?.Trim();

        if ((negotiationText is null) == (shadowId is null))
        {
            return (null, ("body", "Give exactly one of negotiationId and shadowId."));
        }

        Guid? negotiationId = null;
        if (negotiationText is not null)
        {
            if (!Guid.TryParse(negotiationText, out var parsed))
            {
                return (null, ("negotiationId", InvalidRequest.NegotiationIdMessage(negotiationText)));
            }

            negotiationId = parsed;
        }

        if (shadowId is not null && (shadowId.Length < ValidationTargets.MinShadowIdPrefix || shadowId.Length > 64 || !shadowId.All(char.IsAsciiHexDigitLower)))
        {
            return (null, ("shadowId",
                $"'{shadowId}' is not a shadow id; give the Docker container id (64 lower-case hex digits) or at least its first {ValidationTargets.MinShadowIdPrefix}."));
        }

        if (suite is not null && !ValidationSuiteName.IsValid(suite))
        {
            return (null, ("suite",
                $"'{suite}' is not a suite name; names have 1 to {ValidationSuiteName.MaxLength} letters, digits, '-' or '_', such as Cache or Database."));
        }

        return (new ValidateRequest(negotiationId, shadowId, suite), null);
    }

    /// <summary>
    /// Reads the body as a JSON object of at most <see cref="MaxBodyBytes"/> bytes, or returns why it is not one.
    /// </summary>
    private static async Task<(JsonElement Json, string? Error)> ReadJsonObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (default, $"The body has {request.ContentLength} bytes; POST /validate reads at most {MaxBodyBytes}.");
        }

        // Reads one byte past the limit at most, so that a body without Content-Length cannot fill memory.
        var buffer = new byte[MaxBodyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        if (length > MaxBodyBytes)
        {
            return (default, $"The body has more than {MaxBodyBytes} bytes, the most POST /validate reads.");
        }

        if (length == 0)
        {
            return (default, """The body is empty; send JSON such as {"negotiationId": "..."} or {"shadowId": "..."}.""");
        }

        JsonElement json;
        try
        {
            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            json = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return (default, $"The body is not valid JSON: {ex.Message}");
        }

        return json.ValueKind == JsonValueKind.Object
            ? (json, null)
            : (default, """The body must be a JSON object such as {"negotiationId": "..."}.""");
    }

    /// <summary>
    /// Returns the string value of <paramref name="name"/> (case-insensitive), or null when the property is
    /// missing or null. Any other JSON type is returned as its raw text, which the caller then rejects.
    /// </summary>
    private static string? StringProperty(JsonElement json, string name)
    {
        foreach (var property in json.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => property.Value.GetString(),
                    _ => property.Value.GetRawText(),
                };
            }
        }

        return null;
    }

    private static ValidationProblem Invalid(string field, string message) => InvalidRequest.Problem(field, message);

    private static string Location(Guid id) => $"/validation/{id}";
}

/// <summary>
/// Body of <c>POST /validate</c>: exactly one of <see cref="NegotiationId"/> and <see cref="ShadowId"/>.
/// </summary>
/// <param name="NegotiationId">Validates the shadow of the negotiation's current attempt.</param>
/// <param name="ShadowId">Validates this shadow: a Docker container id or a prefix of at least 12 characters.</param>
/// <param name="Suite">Suite to run, such as <c>Cache</c>; by default the suite of the workload's profile.</param>
public sealed record ValidateRequest(Guid? NegotiationId, string? ShadowId, string? Suite);

/// <summary>
/// Response body of <c>POST /validate</c>.
/// </summary>
public sealed record ValidationAccepted(
    Guid Id, string Location, ValidationRunStatus Status, Guid NegotiationId, int Attempt, string ShadowId, string? Suite);
