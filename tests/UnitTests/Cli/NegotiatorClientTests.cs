using System.Net;
using System.Net.Sockets;
using System.Text;
using EventShadow.Cli.Api;

namespace EventShadow.UnitTests.Cli;

public class NegotiatorClientTests
{
    [Fact]
    public async Task Submit_accepted_lists_every_negotiation()
    {
        var server = new FakeNegotiator().Accept("app.yaml", ("n-1", "Deployment/a/web"), ("n-2", "Deployment/a/db"));
        using var http = Client(server);

        var result = await new NegotiatorClient(http).SubmitAsync("app.yaml", "kind: Deployment", "application/yaml", CancellationToken.None);

        Assert.Null(result.Rejected);
        Assert.Equal(202, result.StatusCode);
        Assert.Equal(["n-1", "n-2"], result.Negotiations.Select(negotiation => negotiation.Id));
        Assert.Equal("Deployment/a/db", result.Negotiations[1].Task);
        Assert.Equal("application/yaml", server.Requests[0].Content!.Headers.ContentType!.MediaType);
        Assert.Equal("kind: Deployment", server.PostedBodies[0]);
    }

    [Fact]
    public async Task Submit_accepted_without_list_starts_first_only()
    {
        using var http = Client(new StaticHandler(HttpStatusCode.Accepted, """{"id":"n-1","location":"/negotiation/n-1"}"""));

        var result = await new NegotiatorClient(http).SubmitAsync("a.json", "{}", "application/json", CancellationToken.None);

        var negotiation = Assert.Single(result.Negotiations);
        Assert.Equal("n-1", negotiation.Id);
    }

    [Fact]
    public async Task Submit_source_is_escaped_in_query()
    {
        var server = new FakeNegotiator().Accept("dir/a b.yaml", ("n-1", "Pod/a"));
        using var http = Client(server);

        await new NegotiatorClient(http).SubmitAsync("dir/a b.yaml", "kind: Pod", "application/yaml", CancellationToken.None);

        Assert.Equal("?source=dir%2Fa%20b.yaml", server.Requests[0].RequestUri!.Query);
    }

    [Fact]
    public async Task Submit_rejected_returns_problem()
    {
        var server = new FakeNegotiator().Reject("bad.yaml", """{"type":"about:blank","title":"Invalid definition","status":400,"detail":"line 3: mapping expected","errors":{"body":["not YAML"]}}""");
        using var http = Client(server);

        var result = await new NegotiatorClient(http).SubmitAsync("bad.yaml", ":", "application/yaml", CancellationToken.None);

        Assert.Null(result.Accepted);
        Assert.Empty(result.Negotiations);
        Assert.Equal(400, result.StatusCode);
        Assert.Equal("line 3: mapping expected", result.Rejected!.Detail);
        Assert.True(result.Rejected.Errors.HasValue);
    }

    [Fact]
    public async Task Submit_rejected_without_problem_body_uses_status_line()
    {
        using var http = Client(new StaticHandler(HttpStatusCode.RequestEntityTooLarge, "too big", "text/plain"));

        var result = await new NegotiatorClient(http).SubmitAsync("big.yaml", "x", "application/yaml", CancellationToken.None);

        Assert.Equal(413, result.StatusCode);
        Assert.Equal("Request Entity Too Large", result.Rejected!.Title);
        Assert.Equal("too big", result.Rejected.Detail);
    }

    [Fact]
    public async Task Submit_accepted_without_id_is_server_error()
    {
        using var http = Client(new StaticHandler(HttpStatusCode.Accepted, "{}"));

        await Assert.ThrowsAsync<ServerErrorException>(
            () => new NegotiatorClient(http).SubmitAsync("a.yaml", "x", "application/yaml", CancellationToken.None));
    }

    [Fact]
    public async Task Get_unknown_id_returns_null()
    {
        using var http = Client(new FakeNegotiator());

        Assert.Null(await new NegotiatorClient(http).GetNegotiationAsync("n-9", CancellationToken.None));
    }

    [Fact]
    public async Task Get_keeps_server_json()
    {
        var json = Views.Negotiation("n-1", "Validating", Views.ProposedSecondAttempt);
        using var http = Client(new FakeNegotiator().Views("n-1", json));

        var reply = await new NegotiatorClient(http).GetNegotiationAsync("n-1", CancellationToken.None);

        Assert.Equal(json, reply!.Json);
        Assert.Equal("Validating", reply.Value.Status);
        Assert.Equal(512, reply.Value.Attempts![0].Allocation!.MemoryMiB);
    }

    [Fact]
    public async Task Get_server_error_is_raised_with_detail()
    {
        using var http = Client(new StaticHandler(HttpStatusCode.InternalServerError, """{"title":"Server error","status":500,"detail":"event store down"}"""));

        var exception = await Assert.ThrowsAsync<ServerErrorException>(
            () => new NegotiatorClient(http).GetNegotiationAsync("n-1", CancellationToken.None));

        Assert.Contains("event store down", exception.Message, StringComparison.Ordinal);
        Assert.Contains("500", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_sends_filter_and_paging()
    {
        var server = new FakeNegotiator { ListBody = """{"items":[],"total":0}""" };
        using var http = Client(server);

        var reply = await new NegotiatorClient(http).ListAsync("Failed", 50, 100, CancellationToken.None);

        Assert.Equal(0, reply.Value.Total);
        Assert.Equal("?limit=50&offset=100&status=Failed", server.Requests[0].RequestUri!.Query);
    }

    [Fact]
    public async Task Closed_port_is_unreachable()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ClosedPort()}/") };

        var exception = await Assert.ThrowsAsync<ServerUnreachableException>(
            () => new NegotiatorClient(http).ListAsync(null, 1, 0, CancellationToken.None));

        Assert.Equal(http.BaseAddress, exception.Server);
    }

    /// <summary>Returns a loopback port that nothing listens on: one the system just handed out and got back.</summary>
    internal static int ClosedPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    private static HttpClient Client(HttpMessageHandler handler) => new(handler) { BaseAddress = new Uri("http://127.0.0.1:5080/") };

    private sealed class StaticHandler(HttpStatusCode status, string body, string mediaType = "application/json") : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) });
    }
}
