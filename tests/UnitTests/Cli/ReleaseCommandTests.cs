using System.Net;
using System.Text.Json;
using EventShadow.Cli;

namespace EventShadow.UnitTests.Cli;

/// <summary><c>release</c> and <c>submit --follow --release</c>, from arguments to output and exit code, against an in-memory Negotiator.</summary>
public sealed class ReleaseCommandTests : IDisposable
{
    private const string Committed = """{"cpuMillicores":250,"memoryMiB":512}""";

    private const string NotCommitted =
        """{"title":"Nothing to release","status":409,"detail":"Negotiation n-2 is Validating; only a committed allocation can be released."}""";

    private readonly string folder = Directory.CreateTempSubdirectory("eventshadow-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task Release_prints_line_per_id()
    {
        var server = new FakeNegotiator()
            .Releases("n-1", HttpStatusCode.OK, """{"id":"n-1","pool":"default","alreadyReleased":false}""")
            .Releases("n-2", HttpStatusCode.OK, """{"id":"n-2","pool":"gpu","alreadyReleased":true}""");
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("release", "n-1", "n-2", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("n-1: released, capacity returned to pool default", cli.Output, StringComparison.Ordinal);
        Assert.Contains("n-2: already released from pool gpu", cli.Output, StringComparison.Ordinal);
        Assert.Equal(
            ["/negotiation/n-1/release", "/negotiation/n-2/release"],
            server.Requests.Where(request => request.Method == HttpMethod.Post).Select(request => request.RequestUri!.AbsolutePath));
    }

    [Fact]
    public async Task Release_unknown_id_exits_1()
    {
        var server = new FakeNegotiator()
            .Releases("n-1", HttpStatusCode.OK, """{"id":"n-1","pool":"default","alreadyReleased":false}""");
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("release", "missing", "n-1", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains("missing: not found (404): No negotiation has the id missing", cli.Output, StringComparison.Ordinal);
        Assert.Contains("n-1: released, capacity returned to pool default", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_not_committed_exits_1()
    {
        var server = new FakeNegotiator().Releases("n-2", HttpStatusCode.Conflict, NotCommitted);
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("release", "n-2", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains("n-2: not released (409): Negotiation n-2 is Validating", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_json_lists_each_id()
    {
        var server = new FakeNegotiator()
            .Releases("n-1", HttpStatusCode.OK, """{"id":"n-1","pool":"default","alreadyReleased":false}""")
            .Releases("n-2", HttpStatusCode.Conflict, NotCommitted);
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("release", "n-1", "n-2", "--json", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Failure, exitCode);
        using var document = JsonDocument.Parse(cli.Json);
        var items = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal(200, items[0].GetProperty("status").GetInt32());
        Assert.True(items[0].GetProperty("released").GetBoolean());
        Assert.Equal("default", items[0].GetProperty("response").GetProperty("pool").GetString());
        Assert.Equal(409, items[1].GetProperty("status").GetInt32());
        Assert.False(items[1].GetProperty("released").GetBoolean());
        Assert.Contains("n-1: released", cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_without_id_is_usage_error()
    {
        var cli = new CliRun(new FakeNegotiator());

        var exitCode = await cli.RunAsync("release", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.UsageError, exitCode);
    }

    [Fact]
    public async Task Submit_release_needs_follow()
    {
        Write("redis.yaml");
        var server = new FakeNegotiator();
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("submit", folder, "--release", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("--release needs --follow", cli.Error + cli.Output, StringComparison.Ordinal);
        Assert.Empty(server.PostedBodies);
    }

    [Fact]
    public async Task Submit_release_skips_failed_negotiations()
    {
        Write("redis.yaml");
        var server = new FakeNegotiator()
            .Accept("redis.yaml", ("n-1", "Deployment/redis/redis"), ("n-2", "Deployment/redis/cache"))
            .Views("n-1", Views.Negotiation("n-1", "Committed", Views.PassedSecondAttempt, Committed))
            .Views("n-2", Views.Negotiation("n-2", "Failed", Views.OomKilledAttempt, failureReason: "\"attempt limit reached\""))
            .Releases("n-1", HttpStatusCode.OK, """{"id":"n-1","pool":"default","alreadyReleased":false}""");
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("submit", folder, "--follow", "--release", "--interval", "0.01", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains("Releasing 1 committed allocation:", cli.Output, StringComparison.Ordinal);
        Assert.Contains("n-1: released, capacity returned to pool default", cli.Output, StringComparison.Ordinal);
        Assert.Equal(
            ["/negotiation/n-1/release"],
            server.Requests.Where(request => request.RequestUri!.AbsolutePath.EndsWith("/release", StringComparison.Ordinal)).Select(request => request.RequestUri!.AbsolutePath));
    }

    [Fact]
    public async Task Submit_rejected_release_exits_1()
    {
        Write("redis.yaml");
        var server = new FakeNegotiator()
            .Accept("redis.yaml", ("n-1", "Deployment/redis/redis"))
            .Views("n-1", Views.Negotiation("n-1", "Committed", Views.PassedSecondAttempt, Committed))
            .Releases("n-1", HttpStatusCode.Conflict, NotCommitted);
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("submit", folder, "--follow", "--release", "--interval", "0.01", "--json", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Failure, exitCode);
        using var document = JsonDocument.Parse(cli.Json);
        var release = Assert.Single(document.RootElement.GetProperty("releases").EnumerateArray().ToList());
        Assert.Equal("n-1", release.GetProperty("id").GetString());
        Assert.Equal(409, release.GetProperty("status").GetInt32());
    }

    private void Write(string name) => File.WriteAllText(Path.Combine(folder, name), "kind: Deployment\n");
}
