using System.Net;
using System.Text;
using EventShadow.Cli;
using EventShadow.Cli.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EventShadow.UnitTests.Cli;

/// <summary>A Spectre console that writes plain text, without colours, into a string.</summary>
internal sealed class StringConsole
{
    private readonly StringBuilder text = new();

    public StringConsole()
    {
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(new StringWriter(text)),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        Console.Profile.Width = 240;
    }

    public IAnsiConsole Console { get; }

    public string Text => text.ToString();

    public static string Render(IRenderable renderable)
    {
        var console = new StringConsole();
        console.Console.Write(renderable);
        return console.Text;
    }
}

/// <summary>
/// Plays the Negotiator's HTTP contract in memory: each posted source gets a prepared status
/// and body, and each GET of a negotiation returns the next of its prepared views, repeating the last.
/// </summary>
internal sealed class FakeNegotiator : HttpMessageHandler
{
    private readonly Dictionary<string, (HttpStatusCode Status, string Body)> submissions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<string>> views = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (HttpStatusCode Status, string Body)> releases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> malformed = new(StringComparer.Ordinal);

    public List<HttpRequestMessage> Requests { get; } = [];

    public List<string> PostedBodies { get; } = [];

    public string? ListBody { get; set; }

    public FakeNegotiator Accept(string source, params (string Id, string Task)[] negotiations)
    {
        var items = string.Join(",", negotiations.Select(n => $$"""{"id":"{{n.Id}}","task":"{{n.Task}}","location":"/negotiation/{{n.Id}}"}"""));
        var first = negotiations[0].Id;
        submissions[source] = (HttpStatusCode.Accepted, $$"""{"id":"{{first}}","location":"/negotiation/{{first}}","negotiations":[{{items}}]}""");
        return this;
    }

    /// <summary>Accepts <paramref name="source"/> with one negotiation that committed at submission.</summary>
    public FakeNegotiator AcceptCommitted(string source, string id, string task, string allocationJson, string pool)
    {
        var item = $$"""{"id":"{{id}}","task":"{{task}}","location":"/negotiation/{{id}}","allocation":{{allocationJson}},"pool":"{{pool}}"}""";
        submissions[source] = (HttpStatusCode.Accepted, $$"""{"id":"{{id}}","location":"/negotiation/{{id}}","negotiations":[{{item}}]}""");
        return this;
    }

    public FakeNegotiator Reject(string source, string problemJson)
    {
        submissions[source] = (HttpStatusCode.BadRequest, problemJson);
        return this;
    }

    /// <summary>Prepares the views a negotiation goes through; an empty string stands for a 404.</summary>
    public FakeNegotiator Views(string id, params string[] json)
    {
        views[id] = new Queue<string>(json);
        return this;
    }

    /// <summary>Makes <c>GET /negotiation/{id}</c> return 400 with <paramref name="problemJson"/>, as for a malformed id.</summary>
    public FakeNegotiator Malformed(string id, string problemJson)
    {
        malformed[id] = problemJson;
        return this;
    }

    /// <summary>Sets the response to <c>POST /negotiation/{id}/release</c>. An id without one gets a 404.</summary>
    public FakeNegotiator Releases(string id, HttpStatusCode status, string body)
    {
        releases[id] = (status, body);
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        var path = request.RequestUri!.AbsolutePath;

        if (request.Method == HttpMethod.Post && path == "/negotiate")
        {
            PostedBodies.Add(await request.Content!.ReadAsStringAsync(cancellationToken));
            var source = Uri.UnescapeDataString(request.RequestUri.Query.Split("source=")[1]);
            var (status, body) = submissions[source];
            var mediaType = status == HttpStatusCode.Accepted ? "application/json" : "application/problem+json";
            return Respond(status, body, mediaType);
        }

        if (request.Method == HttpMethod.Post && path.StartsWith("/negotiation/", StringComparison.Ordinal) && path.EndsWith("/release", StringComparison.Ordinal))
        {
            var id = path["/negotiation/".Length..^"/release".Length];
            return releases.TryGetValue(id, out var release)
                ? Respond(release.Status, release.Body, release.Status == HttpStatusCode.OK ? "application/json" : "application/problem+json")
                : Respond(HttpStatusCode.NotFound, $$"""{"title":"Negotiation not found","status":404,"detail":"No negotiation has the id {{id}}."}""", "application/problem+json");
        }

        if (request.Method == HttpMethod.Get && path.StartsWith("/negotiation/", StringComparison.Ordinal))
        {
            var id = path["/negotiation/".Length..];
            if (malformed.TryGetValue(id, out var problem))
            {
                return Respond(HttpStatusCode.BadRequest, problem, "application/problem+json");
            }

            if (!views.TryGetValue(id, out var queue) || queue.Count == 0)
            {
                return Respond(HttpStatusCode.NotFound, """{"title":"Not Found","status":404}""", "application/problem+json");
            }

            var json = queue.Count > 1 ? queue.Dequeue() : queue.Peek();
            return json.Length == 0
                ? Respond(HttpStatusCode.NotFound, """{"title":"Not Found","status":404}""", "application/problem+json")
                : Respond(HttpStatusCode.OK, json, "application/json");
        }

        if (request.Method == HttpMethod.Get && path == "/negotiations" && ListBody is not null)
        {
            return Respond(HttpStatusCode.OK, ListBody, "application/json");
        }

        return Respond(HttpStatusCode.InternalServerError, "unexpected request " + request.RequestUri, "text/plain");
    }

    private static HttpResponseMessage Respond(HttpStatusCode status, string body, string mediaType) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
}

/// <summary>Runs the command line against a <see cref="FakeNegotiator"/> or a real address and keeps what it printed.</summary>
internal sealed class CliRun
{
    public const string Server = "http://127.0.0.1:5080";

    private readonly StringConsole output = new();
    private readonly StringConsole error = new();
    private readonly StringBuilder json = new();
    private readonly HttpMessageHandler? handler;

    public CliRun(HttpMessageHandler? handler = null)
    {
        this.handler = handler;
    }

    public string Output => output.Text;

    public string Error => error.Text;

    public string Json => json.ToString();

    public async Task<int> RunAsync(params string[] args)
    {
        var host = new CliHost
        {
            Out = output.Console,
            Error = error.Console,
            JsonOut = new StringWriter(json),
            GetEnvironmentVariable = _ => null,
            ReadEnvFile = _ => null,
            // A disposed FakeNegotiator still serves requests, so every HttpClient may take and dispose it.
            CreateHandler = handler is null ? () => new SocketsHttpHandler() : () => handler,
        };

        return await CliApplication.RunAsync(host, args, CancellationToken.None);
    }
}

/// <summary>JSON bodies of <c>GET /negotiation/{id}</c> in the shapes the Negotiator returns.</summary>
internal static class Views
{
    public const string OomKilledAttempt =
        """{"attempt":1,"allocation":{"cpuMillicores":250,"memoryMiB":256},"rationale":"profile redis: no history, default","shadowId":"0123456789abcdef0123","coldStart":false,"validation":{"passed":false,"failure":"OomKilled","reasons":["memory limit reached"],"peakMemoryMiB":256,"oomKilled":true,"oomKillCount":1,"exitCode":137,"timeToReadySeconds":null,"throttledPeriods":0,"totalPeriods":100}}""";

    public const string PassedSecondAttempt =
        """{"attempt":2,"allocation":{"cpuMillicores":250,"memoryMiB":512},"rationale":"attempt 1 was OOM-killed at 256 MiB: doubled memory","shadowId":"fedcba9876543210fedc","coldStart":true,"validation":{"passed":true,"failure":null,"reasons":[],"peakMemoryMiB":301.5,"oomKilled":false,"oomKillCount":0,"exitCode":null,"timeToReadySeconds":2.5,"throttledPeriods":12,"totalPeriods":200}}""";

    public const string ProposedSecondAttempt =
        """{"attempt":2,"allocation":{"cpuMillicores":250,"memoryMiB":512},"rationale":"attempt 1 was OOM-killed at 256 MiB: doubled memory","shadowId":null,"coldStart":null,"validation":null}""";

    public static string Negotiation(
        string id, string status, string attempts = "", string allocation = "null", string failureReason = "null", bool? settled = null) =>
        $$"""
        {"id":"{{id}}","task":"Deployment/redis/redis","source":"redis.yaml","format":"kubernetes","status":"{{status}}","profile":"redis",
         "hints":[{"name":"memory","value":"significant","source":"annotation"}],
         "attempts":[{{attempts}}],"allocation":{{allocation}},"failureReason":{{failureReason}},
         "cost":{"amount":0.0042,"currency":"EUR"},"submittedAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:05:00Z",
         "settled":{{(settled ?? status is "Committed" or "Failed" ? "true" : "false")}}}
        """;
}
