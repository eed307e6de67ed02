using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace EventShadow.Cli.Api;

/// <summary>
/// Sends the API key as a bearer token on every request, and turns a 401 or 403 response into
/// <see cref="AccessDeniedException"/> so that every command reports it the same way.
/// </summary>
public sealed class ApiKeyHandler(string? apiKey, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var detail = ReadDetail(body) ?? response.ReasonPhrase ?? "access denied";
            var hint = response.StatusCode == HttpStatusCode.Forbidden
                ? "Use a key with the scope this command needs."
                : apiKey is null
                    ? "No API key was found: pass --api-key or set EVENTSHADOW_API_KEY (infra/setup.sh writes one to its env file)."
                    : "Check --api-key or EVENTSHADOW_API_KEY against the server's Api:Keys.";
            throw new AccessDeniedException((int)response.StatusCode, $"The server at {request.RequestUri?.GetLeftPart(UriPartial.Authority)} rejected the request ({(int)response.StatusCode}): {detail} {hint}");
        }
    }

    private static string? ReadDetail(string body)
    {
        try
        {
            var problem = JsonSerializer.Deserialize<Problem>(body, NegotiatorClient.JsonOptions);
            return problem?.Detail ?? problem?.Title;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The server rejected the API key (401) or its scopes (403).</summary>
public sealed class AccessDeniedException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
