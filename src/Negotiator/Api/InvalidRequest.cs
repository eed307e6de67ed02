using Microsoft.AspNetCore.Http.HttpResults;

namespace EventShadow.Negotiator.Api;

/// <summary>
/// The <c>400</c> problem for an invalid request value: the same title on every endpoint, the message
/// as <c>detail</c>, and the message again under the value's name in <c>errors</c>.
/// </summary>
public static class InvalidRequest
{
    public const string Title = "The request is invalid";

    public static ValidationProblem Problem(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] },
            detail: message,
            title: Title);

    /// <summary>The problem for a route's <c>{id}</c> that is not a negotiation id.</summary>
    public static ValidationProblem NegotiationId(string id) => Problem("id", NegotiationIdMessage(id));

    public static string NegotiationIdMessage(string text) =>
        $"'{text}' is not a negotiation id; ids are GUIDs as POST /negotiate returns them.";
}
