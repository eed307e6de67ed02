using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace EventShadow.Cli.Api;

/// <summary>
/// HTTP client for the Negotiator's API. It maps transport failures to
/// <see cref="ServerUnreachableException"/> and unexpected responses to <see cref="ServerErrorException"/>,
/// and keeps each response body so that <c>--json</c> can print the server's JSON unchanged.
/// </summary>
public sealed class NegotiatorClient(HttpClient http)
{
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web);

    public Uri Server => http.BaseAddress ?? throw new InvalidOperationException("The HTTP client has no base address.");

    /// <summary>
    /// Posts one definition to <c>POST /negotiate</c>. A <c>202</c> returns the started negotiations;
    /// any other status returns the problem the server reported, so the caller can go on with the next file.
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(string source, string definition, string mediaType, CancellationToken cancellationToken)
    {
        var path = "negotiate?source=" + Uri.EscapeDataString(source);
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Content = new StringContent(definition, Encoding.UTF8, mediaType);
        using var response = await SendAsync(request, cancellationToken);
        var json = await ReadBodyAsync(response, cancellationToken);

        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return new SubmitResult(null, ToProblem(response, json), (int)response.StatusCode, json);
        }

        var accepted = Deserialize<SubmitResponse>(json, path);
        if (string.IsNullOrEmpty(accepted.Id))
        {
            throw new ServerErrorException($"The server accepted the definition but returned no negotiation id: {Shorten(json)}");
        }

        return new SubmitResult(accepted, null, (int)response.StatusCode, json);
    }

    /// <summary>Reads one negotiation, or returns <c>null</c> when the server does not know the id (404).</summary>
    /// <exception cref="UsageException">The server rejected the id as malformed (400).</exception>
    public async Task<ServerReply<NegotiationView>?> GetNegotiationAsync(string id, CancellationToken cancellationToken)
    {
        var path = "negotiation/" + Uri.EscapeDataString(id);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendAsync(request, cancellationToken);
        var json = await ReadBodyAsync(response, cancellationToken);

        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            var problem = ToProblem(response, json);
            throw new UsageException(problem.Detail ?? $"invalid negotiation id '{id}': {problem.Title}");
        }

        EnsureSuccess(response, json, path);
        return new ServerReply<NegotiationView>(Deserialize<NegotiationView>(json, path), json);
    }

    /// <summary>
    /// Returns a committed allocation's capacity to its pool with <c>POST /negotiation/{id}/release</c>.
    /// A <c>200</c> returns the pool. A <c>400</c>, <c>404</c> or <c>409</c> returns the problem the server
    /// reported, so the caller can go on with the next id. Other errors throw.
    /// </summary>
    public async Task<ReleaseResult> ReleaseAsync(string id, CancellationToken cancellationToken)
    {
        var path = "negotiation/" + Uri.EscapeDataString(id) + "/release";
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        using var response = await SendAsync(request, cancellationToken);
        var json = await ReadBodyAsync(response, cancellationToken);

        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            return new ReleaseResult(id, null, ToProblem(response, json), (int)response.StatusCode, json);
        }

        EnsureSuccess(response, json, path);
        return new ReleaseResult(id, Deserialize<ReleaseResponse>(json, path), null, (int)response.StatusCode, json);
    }

    /// <summary>Reads one page of <c>GET /negotiations</c>, optionally only those with <paramref name="status"/>.</summary>
    public async Task<ServerReply<NegotiationPage>> ListAsync(string? status, int limit, int offset, CancellationToken cancellationToken)
    {
        var query = new StringBuilder("negotiations?limit=")
            .Append(limit.ToString(CultureInfo.InvariantCulture))
            .Append("&offset=")
            .Append(offset.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(status))
        {
            query.Append("&status=").Append(Uri.EscapeDataString(status));
        }

        var path = query.ToString();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendAsync(request, cancellationToken);
        var json = await ReadBodyAsync(response, cancellationToken);
        EnsureSuccess(response, json, path);
        return new ServerReply<NegotiationPage>(Deserialize<NegotiationPage>(json, path), json);
    }

    /// <summary>Reads <paramref name="path"/>, such as <c>capacity</c>, and deserializes its JSON body.</summary>
    public async Task<ServerReply<T>> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendAsync(request, cancellationToken);
        var json = await ReadBodyAsync(response, cancellationToken);
        EnsureSuccess(response, json, path);
        return new ServerReply<T>(Deserialize<T>(json, path), json);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));

        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ServerUnreachableException(Server, ex.Message, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient reports its own timeout as a cancellation, although the caller's token was not cancelled.
            var seconds = http.Timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
            throw new ServerUnreachableException(Server, $"no response within {seconds} s", ex);
        }
    }

    private async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ServerUnreachableException(Server, ex.Message, ex);
        }
    }

    private static void EnsureSuccess(HttpResponseMessage response, string json, string path)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var problem = ToProblem(response, json);
        throw new ServerErrorException(
            $"{path} failed with HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {problem.Detail ?? problem.Title}",
            problem);
    }

    /// <summary>
    /// Reads a problem+json body, or builds a problem from the status line when the body is not one,
    /// for example when a proxy or a crashed handler sent the response.
    /// </summary>
    private static Problem ToProblem(HttpResponseMessage response, string json)
    {
        try
        {
            var problem = JsonSerializer.Deserialize<Problem>(json, JsonOptions);
            if (problem is not null && (problem.Title is not null || problem.Detail is not null))
            {
                return problem;
            }
        }
        catch (JsonException)
        {
            // Not JSON: fall through to a problem made from the status line and the raw body.
        }

        var status = (int)response.StatusCode;
        return new Problem(null, response.ReasonPhrase, status, json.Length == 0 ? null : Shorten(json), null);
    }

    private static T Deserialize<T>(string json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, JsonOptions)
                ?? throw new ServerErrorException($"The server returned an empty body for {path}.");
        }
        catch (JsonException ex)
        {
            throw new ServerErrorException($"The server returned JSON for {path} that this tool cannot read ({ex.Message}): {Shorten(json)}");
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : string.Concat(text.AsSpan(0, 300), "…");
}

/// <summary>A deserialized response together with its JSON body as the server sent it.</summary>
public sealed record ServerReply<T>(T Value, string Json);

/// <summary>
/// Outcome of posting one definition: <see cref="Accepted"/> on <c>202</c>, otherwise <see cref="Rejected"/>
/// with the server's problem. <see cref="Json"/> is the response body as sent.
/// </summary>
public sealed record SubmitResult(SubmitResponse? Accepted, Problem? Rejected, int StatusCode, string Json)
{
    /// <summary>The negotiations that the definition started. A response without a list started only the first one.</summary>
    public IReadOnlyList<SubmittedNegotiation> Negotiations =>
        Accepted switch
        {
            null => [],
            { Negotiations.Count: > 0 } => Accepted.Negotiations,
            _ => [new SubmittedNegotiation(Accepted.Id, null, Accepted.Location)],
        };
}

/// <summary>
/// Outcome of releasing one negotiation's allocation: <see cref="Released"/> on <c>200</c>, otherwise
/// <see cref="Rejected"/> with the server's problem (unknown id, not committed). <see cref="Json"/> is the response body as sent.
/// </summary>
public sealed record ReleaseResult(string Id, ReleaseResponse? Released, Problem? Rejected, int StatusCode, string Json);

/// <summary>A server, the Negotiator unless the message names another, could not be reached or did not respond in time.</summary>
public sealed class ServerUnreachableException : Exception
{
    public ServerUnreachableException(Uri server, string reason, Exception? innerException = null)
        : this(server, reason, $"The EventShadow server at {server} is unreachable: {reason}", innerException)
    {
    }

    private ServerUnreachableException(Uri server, string reason, string message, Exception? innerException)
        : base(message, innerException)
    {
        Server = server;
        Reason = reason;
    }

    public Uri Server { get; }

    /// <summary>What failed, such as the socket error or <c>no response within 30 s</c>.</summary>
    public string Reason { get; }

    /// <summary>
    /// Returns the same failure with a message that names <paramref name="service"/> in place of the
    /// EventShadow server and ends with <paramref name="advice"/>.
    /// </summary>
    public ServerUnreachableException For(string service, string advice) =>
        new(Server, Reason, $"The {service} at {Server} is unreachable: {Reason}. {advice}", InnerException);
}

/// <summary>The Negotiator returned an error or a body this tool cannot read.</summary>
public sealed class ServerErrorException(string message, Problem? problem = null) : Exception(message)
{
    public Problem? Problem { get; } = problem;
}
