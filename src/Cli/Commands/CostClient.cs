using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EventShadow.Cli.Api;
using EventShadow.Costs.Pricing;
using EventShadow.Costs.Replay;
using EventShadow.Costs.Reports;

namespace EventShadow.Cli.Commands;

/// <summary>
/// HTTP client for <c>GET /costs</c> and <c>POST /costs/replay</c>, with the same error mapping as
/// <see cref="NegotiatorClient"/>: transport failures are <see cref="ServerUnreachableException"/>,
/// error responses are <see cref="ServerErrorException"/> with the server's problem.
/// </summary>
public sealed class CostClient(HttpClient http)
{
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private Uri Server => http.BaseAddress ?? throw new InvalidOperationException("The HTTP client has no base address.");

    public async Task<ServerReply<CostReport>> GetAsync(CostsSettings settings, CancellationToken cancellationToken)
    {
        var path = new StringBuilder("costs?groupBy=").Append(settings.GroupBy.ToLowerInvariant());
        Append(path, "from", settings.From);
        Append(path, "to", settings.To);
        Append(path, "limit", settings.Limit.ToString(CultureInfo.InvariantCulture));
        Append(path, "offset", settings.Offset.ToString(CultureInfo.InvariantCulture));

        using var request = new HttpRequestMessage(HttpMethod.Get, path.ToString());
        AcceptJson(request);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        EnsureSuccess(response, json, "costs");
        return new ServerReply<CostReport>(Deserialize<CostReport>(json), json);
    }

    /// <summary>
    /// Posts a replay and reads its newline-delimited response, handing every progress line to
    /// <paramref name="onProgress"/>. Returns the report line, or throws with the server's error line.
    /// </summary>
    /// <param name="idleTimeout">How long to wait for the next line before the server counts as unreachable.</param>
    public async Task<ServerReply<CostReport>> ReplayAsync(
        PricingOptions prices, CostsSettings settings, Action<ReplayProgress> onProgress, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        var body = new CostReplayRequest(prices, settings.From, settings.To, settings.GroupBy.ToLowerInvariant(), settings.Limit, settings.Offset);
        using var request = new HttpRequestMessage(HttpMethod.Post, "costs/replay") { Content = JsonContent.Create(body, options: JsonOptions) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
        AcceptJson(request);

        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await response.Content.ReadAsStringAsync(cancellationToken);
            EnsureSuccess(response, problem, "costs/replay");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(idleTimeout);
            string? line;
            try
            {
                line = await reader.ReadLineAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ServerUnreachableException(Server, $"the replay sent nothing for {idleTimeout.TotalSeconds:0} s");
            }
            catch (IOException ex)
            {
                throw new ServerUnreachableException(Server, ex.Message, ex);
            }

            if (line is null)
            {
                throw new ServerErrorException("The server ended the replay without a report.");
            }

            if (line.Length == 0)
            {
                continue;
            }

            var parsed = Deserialize<ReplayLine>(line);
            switch (parsed.Type)
            {
                case "progress" when parsed.Progress is { } progress:
                    onProgress(progress);
                    break;
                case "report" when parsed.Report is { } report:
                    return new ServerReply<CostReport>(report, JsonSerializer.Serialize(report, JsonOptions));
                case "error":
                    throw new ServerErrorException($"The replay failed: {parsed.Error}");
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ServerUnreachableException(Server, ex.Message, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServerUnreachableException(Server, $"no response within {http.Timeout.TotalSeconds:0} s", ex);
        }
    }

    private static void EnsureSuccess(HttpResponseMessage response, string json, string path)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        Problem? problem = null;
        try
        {
            problem = JsonSerializer.Deserialize<Problem>(json, JsonOptions);
        }
        catch (JsonException)
        {
            // Not a problem body: the message below carries the status line instead.
        }

        var detail = problem?.Detail ?? problem?.Title ?? response.ReasonPhrase;
        var status = response.StatusCode == HttpStatusCode.NotFound ? " (is the server older than this tool?)" : "";
        throw new ServerErrorException($"{path} failed with HTTP {(int)response.StatusCode}{status}: {detail}", problem);
    }

    private static T Deserialize<T>(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, JsonOptions) ?? throw new ServerErrorException("The server returned an empty body.");
        }
        catch (JsonException ex)
        {
            throw new ServerErrorException($"The server returned JSON that this tool cannot read ({ex.Message}).");
        }
    }

    private static void AcceptJson(HttpRequestMessage request)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
    }

    private static void Append(StringBuilder path, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            path.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }
}
