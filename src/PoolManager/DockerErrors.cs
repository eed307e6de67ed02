using System.Text.Json;
using Docker.DotNet;

namespace EventShadow.PoolManager;

/// <summary>
/// Turns Docker Engine API errors into the engine's own message, for reasons and logs.
/// </summary>
public static class DockerErrors
{
    /// <summary>
    /// Returns the <c>message</c> field of the engine's JSON error body, such as
    /// "Minimum memory limit allowed is 6MB"; the raw body or the exception message when there is none.
    /// </summary>
    public static string MessageOf(DockerApiException exception)
    {
        var body = exception.ResponseBody?.Trim();
        if (string.IsNullOrEmpty(body))
        {
            return exception.Message;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("message", out var message) &&
                message.ValueKind == JsonValueKind.String)
            {
                return message.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
            // Not JSON: the body is the message.
        }

        return body;
    }
}
